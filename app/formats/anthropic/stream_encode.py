"""Stream encoding: canonical stream events → an Anthropic SSE stream as the official SDKs expect it
(`message_start`, `ping`, one content block open at a time with wire indexes counting up from 0,
`message_delta`, `message_stop`), whatever order the canonical events arrive in. Also holds `_sse`,
the one place an Anthropic event is framed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import orjson

from app.formats import ir
from app.formats.anthropic.errors import _error_body, _error_kind
from app.formats.anthropic.response import _STOP_OUT, _message_id
from app.formats.anthropic.usage import _usage_input_out
from app.formats.sse import ENDED_EARLY, encode_json_event


def _sse(event: str, payload: Mapping[str, Any]) -> bytes:
    return encode_json_event(payload, event)


_PING: Final = _sse("ping", {"type": "ping"})


_TEXT, _THINKING, _REDACTED, _TOOL, _OPAQUE = "text", "thinking", "redacted", "tool", "opaque"
_DELTA_KIND: Final[Mapping[type, str]] = {
    ir.TextDelta: _TEXT,
    ir.ThinkingDelta: _THINKING,
    ir.SignatureDelta: _THINKING,
    ir.ToolArgsDelta: _TOOL,
}
_SPLITTABLE: Final = frozenset({_TEXT, _THINKING})


@dataclass(slots=True)
class _Block:
    kind: str
    start: ir.BlockStart
    state: str = "queued"  # queued | open | suspended | done
    pending: list[ir.StreamEvent] = field(default_factory=list)
    ir_stopped: bool = False
    wire: int = -1


def _opaque_start(start: ir.BlockStart) -> dict[str, Any] | None:
    if not start.data:
        return None
    try:
        raw = orjson.loads(start.data)
    except orjson.JSONDecodeError:
        return None
    return raw if isinstance(raw, dict) and isinstance(raw.get("type"), str) else None


def _block_kind(start: ir.BlockStart) -> str:
    if start.kind is ir.BlockKind.TEXT:
        return _OPAQUE if _opaque_start(start) is not None else _TEXT
    if start.kind is ir.BlockKind.THINKING:
        return _THINKING
    if start.kind is ir.BlockKind.REDACTED_THINKING:
        return _REDACTED
    return _TOOL


class _StreamEncoder:
    """Canonical events → an Anthropic SSE stream, whatever order the events come in.

    Exactly one content block is open on the wire at a time and wire indexes count up from 0. A block
    that starts while another is open waits (its deltas buffered) until the open one stops — except
    that an open text or thinking block is closed at once and continued later in a new block of the
    same kind, so text never holds up a tool call. Tool calls, redacted thinking and opaque blocks are
    never split. A thinking block never follows a text block (Claude Code prints only the last block
    of an answer): one that would is left out, as a stream cannot move it ahead of text already sent.
    """

    def __init__(self, request: ir.Request) -> None:
        self._model = request.model
        self._id = "msg_vansroute"
        self._started = False
        self._finished = False
        self._blocks: dict[int, _Block] = {}
        self._open: int | None = None
        self._queue: list[int] = []
        self._next_wire = 0
        # A text block went on the wire (since the last server-tool block): a thinking block may no
        # longer start, since Claude Code prints only the last block of an answer.
        self._after_text = False

    def feed(self, event: ir.StreamEvent) -> bytes:
        if self._finished:
            return b""
        out: list[bytes] = []
        if isinstance(event, ir.StreamStart):
            if not self._started:
                self._start(event, out)
        elif isinstance(event, ir.StreamError):
            self._finished = True
            out.append(_sse("error", _error_body(_error_kind(event.kind, event.status), event.message)))
        elif isinstance(event, ir.StreamEnd):
            self._ensure_started(out)
            self._end(event, out)
        elif isinstance(event, ir.BlockStart):
            self._ensure_started(out)
            self._block_start(event, out)
        elif isinstance(event, ir.BlockStop):
            self._block_stop(event.index, out)
        else:
            self._ensure_started(out)
            self._delta(event, out)
        return b"".join(out)

    def close(self) -> bytes:
        if self._finished or not self._started:
            self._finished = True
            return b""
        self._finished = True
        return _sse("error", _error_body(ENDED_EARLY.kind, ENDED_EARLY.message))

    # ---- message level

    def _start(self, event: ir.StreamStart, out: list[bytes]) -> None:
        self._started = True
        self._id = _message_id(event.id)
        usage = {**_usage_input_out(event.usage), "output_tokens": event.usage.output_tokens}
        message: dict[str, Any] = {
            "id": self._id,
            "type": "message",
            "role": "assistant",
            "model": self._model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": usage,
        }
        out.append(_sse("message_start", {"type": "message_start", "message": message}))
        out.append(_PING)

    def _ensure_started(self, out: list[bytes]) -> None:
        if not self._started:
            self._start(ir.StreamStart(id="", model=self._model), out)

    def _end(self, event: ir.StreamEnd, out: list[bytes]) -> None:
        if self._open is not None:
            self._close_open(out)
        while self._queue:
            index = self._queue.pop(0)
            self._blocks[index].ir_stopped = True
            self._activate(index, out)
        usage: dict[str, Any] = {}
        if event.usage.input_tokens:
            usage.update(_usage_input_out(event.usage))
        usage["output_tokens"] = event.usage.output_tokens
        if event.usage.reasoning_tokens:
            usage["output_tokens_details"] = {"thinking_tokens": event.usage.reasoning_tokens}
        delta = {"stop_reason": _STOP_OUT[event.stop_reason], "stop_sequence": event.stop_sequence}
        out.append(_sse("message_delta", {"type": "message_delta", "delta": delta, "usage": usage}))
        out.append(_sse("message_stop", {"type": "message_stop"}))
        self._finished = True

    # ---- blocks

    def _block_start(self, event: ir.BlockStart, out: list[bytes]) -> None:
        if event.index in self._blocks:
            return
        block = _Block(_block_kind(event), event)
        self._blocks[event.index] = block
        if block.kind == _THINKING and self._after_text and not self._queue:
            block.state = "done"  # left out at once, without splitting an open text block for it
            return
        self._queue.append(event.index)
        # A new block ends an open text/thinking block at once (it continues later if it must), unless
        # that would let a text block jump ahead of blocks already waiting.
        if self._open_splittable() and (block.kind not in _SPLITTABLE or len(self._queue) == 1):
            self._suspend_open(out)
        self._advance(out)

    def _delta(self, event: ir.StreamEvent, out: list[bytes]) -> None:
        assert isinstance(event, ir.TextDelta | ir.ThinkingDelta | ir.SignatureDelta | ir.ToolArgsDelta)
        kind = _DELTA_KIND[type(event)]
        block = self._blocks.get(event.index)
        if block is None:
            start_kind = {
                _TEXT: ir.BlockKind.TEXT,
                _THINKING: ir.BlockKind.THINKING,
                _TOOL: ir.BlockKind.TOOL_CALL,
            }[kind]
            self._block_start(ir.BlockStart(event.index, start_kind), out)
            block = self._blocks[event.index]
        if block.kind != kind:
            return  # e.g. thinking text aimed at a text block: never mix them on the wire
        if block.state == "open":
            out.append(self._delta_bytes(block, event))
        elif block.state == "queued":
            block.pending.append(event)
            if block.kind not in _SPLITTABLE and self._open_splittable():
                # A tool call never waits for text to finish.
                self._suspend_open(out)
                self._advance(out)
        elif block.state == "suspended":
            block.pending.append(event)
            block.state = "queued"
            self._queue.append(event.index)
            if self._open is None:
                self._advance(out)
        # done: the block already stopped; late deltas are ignored

    def _block_stop(self, index: int, out: list[bytes]) -> None:
        block = self._blocks.get(index)
        if block is None:
            return
        if block.state == "open":
            self._close_open(out)
            self._advance(out)
        elif block.state == "queued":
            block.ir_stopped = True
        elif block.state == "suspended":
            block.state = "done"

    def _open_splittable(self) -> bool:
        return self._open is not None and self._blocks[self._open].kind in _SPLITTABLE

    def _advance(self, out: list[bytes]) -> None:
        while self._open is None and self._queue:
            self._activate(self._queue.pop(0), out)

    def _activate(self, index: int, out: list[bytes]) -> None:
        block = self._blocks[index]
        if block.kind == _THINKING and self._after_text:
            # Thinking after text (Gemini 3's signature on its last text part, as an empty signed
            # thinking block, or reasoning that resumes after text): left out, never sent.
            block.state = "done"
            block.pending.clear()
            return
        if block.kind == _TEXT:
            self._after_text = True
        elif block.kind == _OPAQUE:
            self._after_text = False  # Anthropic's interleaved thinking after a server tool: as sent
        block.wire = self._next_wire
        self._next_wire += 1
        block.state = "open"
        self._open = index
        content = self._content_block(block)
        out.append(
            _sse(
                "content_block_start",
                {"type": "content_block_start", "index": block.wire, "content_block": content},
            )
        )
        for event in block.pending:
            out.append(self._delta_bytes(block, event))
        block.pending.clear()
        if block.ir_stopped:
            self._close_open(out)

    def _close_open(self, out: list[bytes]) -> None:
        assert self._open is not None
        block = self._blocks[self._open]
        out.append(_sse("content_block_stop", {"type": "content_block_stop", "index": block.wire}))
        block.state = "done"
        self._open = None

    def _suspend_open(self, out: list[bytes]) -> None:
        assert self._open is not None
        block = self._blocks[self._open]
        self._close_open(out)
        block.state = "suspended"

    def _content_block(self, block: _Block) -> dict[str, Any]:
        start = block.start
        if block.kind == _TEXT:
            return {"type": "text", "text": ""}
        if block.kind == _THINKING:
            return {"type": "thinking", "thinking": "", "signature": ""}
        if block.kind == _REDACTED:
            return {"type": "redacted_thinking", "data": start.data or ""}
        if block.kind == _OPAQUE:
            return _opaque_start(start) or {"type": "text", "text": ""}
        call_id = start.tool_call_id or f"toolu_{self._id.removeprefix('msg_')}_{start.index}"
        return {"type": "tool_use", "id": call_id, "name": start.tool_name or "", "input": {}}

    def _delta_bytes(self, block: _Block, event: ir.StreamEvent) -> bytes:
        delta: dict[str, Any]
        if isinstance(event, ir.TextDelta):
            delta = {"type": "text_delta", "text": event.text}
        elif isinstance(event, ir.ThinkingDelta):
            delta = {"type": "thinking_delta", "thinking": event.text}
        elif isinstance(event, ir.SignatureDelta):
            if not event.signature:
                return b""  # OpenAI's encrypted reasoning has no Anthropic spelling
            delta = {"type": "signature_delta", "signature": event.signature}
        else:
            assert isinstance(event, ir.ToolArgsDelta)
            delta = {"type": "input_json_delta", "partial_json": event.partial_json}
        return _sse(
            "content_block_delta", {"type": "content_block_delta", "index": block.wire, "delta": delta}
        )
