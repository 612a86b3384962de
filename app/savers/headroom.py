"""Headroom, the optional external compressor (`headroom proxy`, default
http://localhost:8787/v1/compress): tool results go out as OpenAI Chat tool messages and come back
compressed.

    POST /v1/compress  {"model": "...", "messages": [
        {"role": "assistant", "content": null, "tool_calls": [{"id": "vr0", "type": "function",
         "function": {"name": "tool_output", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "vr0", "content": "<tool output>"}, ...]}
    200 {"messages": [... the same messages, tool contents compressed ...], ...}

Any failure (connection refused, timeout after 3 s, a non-200 status, a body that is not that shape)
means the request goes on as it was; a compressed text that is empty or not shorter is not used.

Headroom is not deterministic from our side (another version, another setting, it may weigh the whole
batch), so to keep the prompt prefix stable each result's compressed form is remembered
(HeadroomMemory, owned by the gateway): a result already seen is sent in the form it was sent before
and never asked about again. Only results the memory has not seen are sent to Headroom, in one call.

The HTTP call itself is injected (`send`), so this module stays pure; the gateway passes a function
that posts through its shared aiohttp session.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson

from app.core.records import WireFormat
from app.savers.apply import SaverResult
from app.savers.rtk.detect import ToolCall
from app.savers.rtk.engine import MIN_CHARS, Outcome
from app.savers.tool_results import rewrite_tool_results

DEFAULT_URL = "http://localhost:8787/v1/compress"
DEFAULT_TIMEOUT = 3.0
LABEL = "headroom"

# (url, JSON body, timeout in seconds) -> (HTTP status, response body). May raise anything.
Send = Callable[[str, bytes, float], Awaitable[tuple[int, bytes]]]


@dataclass(frozen=True, slots=True)
class HeadroomSettings:
    url: str = DEFAULT_URL
    timeout: float = DEFAULT_TIMEOUT


class HeadroomMemory:
    """Original text -> the text sent in its place (itself when Headroom could not shrink it). Bounded:
    the least recently used entries go first; a forgotten result is asked about again, which may cost
    one provider cache miss but never a wrong answer."""

    def __init__(self, max_entries: int = 4096) -> None:
        self._entries: OrderedDict[str, str] = OrderedDict()
        self._max = max_entries

    def get(self, text: str) -> str | None:
        found = self._entries.get(text)
        if found is not None:
            self._entries.move_to_end(text)
        return found

    def put(self, text: str, sent: str) -> None:
        self._entries[text] = sent
        self._entries.move_to_end(text)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


def request_body(texts: list[str], model: str) -> bytes:
    messages: list[dict[str, Any]] = []
    for i, text in enumerate(texts):
        call_id = f"vr{i}"
        messages.append(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {"name": "tool_output", "arguments": "{}"},
                    }
                ],
            }
        )
        messages.append({"role": "tool", "tool_call_id": call_id, "content": text})
    return orjson.dumps({"model": model, "messages": messages})


class HeadroomAnswerError(ValueError):
    """Headroom answered with something that is not a compress response."""


def parse_answer(raw: bytes, texts: list[str]) -> list[str]:
    """The text to send for each of `texts`: Headroom's version where it is shorter and not empty,
    else the original."""
    try:
        answer = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise HeadroomAnswerError("the answer is not JSON") from exc
    messages = answer.get("messages") if isinstance(answer, dict) else None
    if not isinstance(messages, list):
        raise HeadroomAnswerError("the answer has no messages list")
    by_id: dict[str, str] = {}
    for message in messages:
        if (
            isinstance(message, dict)
            and message.get("role") == "tool"
            and isinstance(message.get("content"), str)
        ):
            by_id[str(message.get("tool_call_id"))] = message["content"]
    out = []
    for i, text in enumerate(texts):
        new = by_id.get(f"vr{i}")
        out.append(new if new is not None and new.strip() and len(new) < len(text) else text)
    return out


def _eligible(text: str, is_error: bool) -> bool:
    return not is_error and len(text) >= MIN_CHARS


async def apply_headroom(
    body: dict[str, Any],
    fmt: WireFormat,
    send: Send,
    memory: HeadroomMemory,
    settings: HeadroomSettings = HeadroomSettings(),
    model: str = "",
) -> SaverResult:
    """`body` with tool results replaced by Headroom's compression (call after apply_savers)."""
    unseen: list[str] = []

    def collect(text: str, call: ToolCall, is_error: bool) -> Outcome:
        if _eligible(text, is_error) and memory.get(text) is None and text not in unseen:
            unseen.append(text)
        return Outcome(None, text)

    rewrite_tool_results(body, fmt, collect)
    failure = ""
    if unseen:
        try:
            status, raw = await asyncio.wait_for(
                send(settings.url, request_body(unseen, model), settings.timeout), settings.timeout
            )
            if status != 200:
                raise HeadroomAnswerError(f"status {status}")
            for text, sent in zip(unseen, parse_answer(raw, unseen), strict=True):
                memory.put(text, sent)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # any failure: the request goes on without Headroom
            failure = f"headroom skipped: {type(exc).__name__}: {exc}"[:300]

    def replace(text: str, call: ToolCall, is_error: bool) -> Outcome:
        sent = memory.get(text) if _eligible(text, is_error) else None
        return Outcome(LABEL, sent) if sent is not None and sent != text else Outcome(None, text)

    new_body, rewrites = rewrite_tool_results(body, fmt, replace)
    return SaverResult(new_body, new_body is not body, rewrites, failure=failure)
