"""The fake OpenAI upstream in a process of its own, for the overhead benchmark.

    python -m bench.fake_upstream_server [--port 0]

Prints ``URL <base_url>`` (ending in ``/v1``) on stdout once it listens, then takes one command a line
on stdin and answers ``ok <command>`` on stdout:

``nonstream``       the default instant answer (a chat.completion, or a one-write stream)
``stream-unpaced``  streams of ``STREAM_CHUNKS`` content deltas sent in one write
``stream-paced``    the same deltas ``PACED_INTERVAL_S`` apart (the REFERENCE.md pacing mock)
``clear``           forget the recorded requests
``quit``            stop

The recorded-request list of ``FakeOpenAI`` grows with every request; it is cleared on every command
and twice a second, so a long run does not grow the fake's memory.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from tests.fakes.openai_upstream import Behaviour, FakeOpenAI

UPSTREAM_KEY = "sk-fake-upstream"
MODEL = "gpt-4o-mini"
STREAM_CHUNKS = 64
PACED_INTERVAL_S = 0.020
STREAM_TEXT = " ".join(f"tok{i}" for i in range(STREAM_CHUNKS))

BEHAVIOURS: dict[str, Behaviour] = {
    "nonstream": Behaviour(),
    "stream-unpaced": Behaviour(text=STREAM_TEXT, chunks=STREAM_CHUNKS),
    "stream-paced": Behaviour(text=STREAM_TEXT, chunks=STREAM_CHUNKS, chunk_interval=PACED_INTERVAL_S),
}


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def _forget_requests(fake: FakeOpenAI) -> None:
    while True:
        await asyncio.sleep(0.5)
        fake.requests.clear()


async def serve(host: str, port: int) -> None:
    fake = FakeOpenAI(models=(MODEL,), api_key=UPSTREAM_KEY)
    await fake.start(host, port)
    janitor = asyncio.get_running_loop().create_task(_forget_requests(fake))
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    _say(f"URL {fake.base_url}")
    try:
        while line := await reader.readline():
            command = line.decode().strip()
            if not command:
                continue
            if command == "quit":
                break
            fake.requests.clear()
            if command in BEHAVIOURS:
                fake.default_behaviour = BEHAVIOURS[command]
            elif command != "clear":
                _say(f"error unknown command {command!r}")
                continue
            _say(f"ok {command}")
    finally:
        janitor.cancel()
        await fake.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    try:
        import uvloop
    except ImportError:
        asyncio.run(serve(args.host, args.port))
    else:
        uvloop.run(serve(args.host, args.port))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
