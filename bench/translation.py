"""What translating between formats costs the gateway, measured in-process (no sockets).

- request: a real 50 KB Claude Code request (bench/data/claude_code_request.json, recorded from
  Claude Code 2.1.331) decoded from Anthropic and encoded for each other format, against the
  passthrough path's own work on the same body (parse, swap the model, serialise);
- stream: a 64-chunk upstream stream decoded and re-encoded for each other client format, as time
  per chunk.

Run: .venv/bin/python -m bench.translation [--rounds N]. Prints a Markdown table and the goals of
issue 4: translating the request adds <= 1 ms p50, streaming translation <= 0.2 ms per chunk,
passthrough <= 0.5 ms.
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import orjson

from app.core.records import WireFormat
from app.formats import signatures
from app.formats.ir import Request, StreamEvent
from app.formats.registry import adapter_for

DATA = Path(__file__).parent / "data" / "claude_code_request.json"
FORMATS = (WireFormat.OPENAI, WireFormat.RESPONSES, WireFormat.ANTHROPIC, WireFormat.GEMINI)


def timed(fn: Callable[[], object], rounds: int) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    for _ in range(max(5, rounds // 20)):  # warm-up
        fn()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - start) / 1e6)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def bench_request(rounds: int) -> list[tuple[str, float, float]]:
    raw = DATA.read_bytes()
    client = adapter_for(WireFormat.ANTHROPIC)
    rows = []

    def passthrough() -> bytes:
        body = orjson.loads(raw)
        return orjson.dumps({**body, "model": "claude-sonnet-4-5"})

    rows.append(("passthrough (parse, swap model, serialise)", *timed(passthrough, rounds)))
    for target in FORMATS:

        def translate(target: WireFormat = target) -> bytes:
            body = orjson.loads(raw)
            canonical = client.decode_request(body, model="m", stream=True)
            canonical, _ = signatures.for_upstream(
                dataclasses.replace(canonical, model="m"), target, WireFormat.ANTHROPIC
            )
            return orjson.dumps(adapter_for(target).encode_request(canonical).body)

        label = "canonical round trip" if target is WireFormat.ANTHROPIC else f"to {target.value}"
        rows.append((f"anthropic request {label}", *timed(translate, rounds)))
    return rows


def upstream_stream(fmt: WireFormat, chunks: int) -> tuple[bytes, list[bytes]]:
    """A realistic upstream stream of `chunks` text deltas in `fmt`, split as the network would."""
    from app.formats.ir import (
        BlockKind,
        BlockStart,
        BlockStop,
        StopReason,
        StreamEnd,
        StreamStart,
        TextDelta,
        Usage,
    )

    request = adapter_for(fmt).decode_request(_minimal_request(fmt), model="m", stream=True)
    encoder = adapter_for(fmt).stream_encoder(request)
    events: list[StreamEvent] = [StreamStart(id="resp_bench", model="m"), BlockStart(0, BlockKind.TEXT)]
    events += [TextDelta(0, f"word{i} ") for i in range(chunks)]
    events += [BlockStop(0), StreamEnd(StopReason.END_TURN, Usage(100, chunks))]
    pieces = [encoder.feed(e) for e in events]
    pieces[-1] += encoder.close()
    return b"".join(pieces), [p for p in pieces if p]


def _minimal_request(fmt: WireFormat) -> dict[str, object]:
    if fmt is WireFormat.GEMINI:
        return {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    if fmt is WireFormat.RESPONSES:
        return {"model": "m", "input": "hi", "stream": True}
    if fmt is WireFormat.ANTHROPIC:
        return {
            "model": "m",
            "max_tokens": 64,
            "messages": [{"role": "user", "content": "hi"}],
            "stream": True,
        }
    return {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}


def bench_stream(rounds: int, chunks: int = 64) -> list[tuple[str, float, float]]:
    rows = []
    for up in FORMATS:
        _, pieces = upstream_stream(up, chunks)
        for client in FORMATS:
            if client is up:
                continue
            client_request = adapter_for(client).decode_request(
                _minimal_request(client), model="m", stream=True
            )

            def translate(
                up: WireFormat = up,
                client: WireFormat = client,
                client_request: Request = client_request,
                pieces: list[bytes] = pieces,
            ) -> int:
                decoder = adapter_for(up).stream_decoder()
                encoder = adapter_for(client).stream_encoder(client_request)
                out = 0
                for piece in pieces:
                    for event in decoder.feed(piece):
                        out += len(encoder.feed(signatures.tag_event(event, up)))
                for event in decoder.close():
                    out += len(encoder.feed(event))
                return out + len(encoder.close())

            p50, p99 = timed(translate, max(20, rounds // 5))
            rows.append(
                (f"{up.value} stream to {client.value}, per chunk", p50 / len(pieces), p99 / len(pieces))
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=500)
    args = parser.parse_args()
    print(
        f"# Translation cost ({platform.python_implementation()} {platform.python_version()}, "
        f"{platform.machine()}, request {DATA.stat().st_size / 1024:.0f} KiB)\n"
    )
    print("| what | p50 ms | p99 ms |\n|---|---:|---:|")
    for label, p50, p99 in bench_request(args.rounds) + bench_stream(args.rounds):
        print(f"| {label} | {p50:.3f} | {p99:.3f} |")


if __name__ == "__main__":
    main()
