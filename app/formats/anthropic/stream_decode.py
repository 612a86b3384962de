"""Stream decoding: Anthropic SSE bytes → canonical stream events. Blocks of kinds the canonical form
does not model are held until their stop and sent whole as an opaque text block; a stream that ends
without `message_stop`, or sends something malformed, ends in a StreamError rather than silently."""

from __future__ import annotations

from typing import Any

import orjson

from app.formats import ir
from app.formats.anthropic.errors import _ERROR_STATUS
from app.formats.anthropic.response import _STOP_IN
from app.formats.anthropic.tools import unescape_tool_name
from app.formats.anthropic.usage import _usage_in
from app.formats.json_values import json_text
from app.formats.sse import ENDED_EARLY, SSEEvent, SSEParser


class _StreamDecoder:
    """Anthropic SSE bytes → canonical events."""

    def __init__(self) -> None:
        self._parser = SSEParser()
        self._started = False
        self._finished = False
        self._stop: ir.StopReason = ir.StopReason.END_TURN
        self._stop_sequence: str | None = None
        self._usage: dict[str, Any] = {}
        # Blocks of kinds the canonical form does not model: held until their stop, then sent whole.
        self._opaque: dict[int, tuple[dict[str, Any], list[str]]] = {}

    def feed(self, chunk: bytes) -> list[ir.StreamEvent]:
        if self._finished:
            return []
        return self._handle(self._parser.feed(chunk))

    def close(self) -> list[ir.StreamEvent]:
        if self._finished:
            return []
        out = self._handle(self._parser.close())
        if not self._finished:
            self._finished = True
            out.append(ENDED_EARLY)
        return out

    def _handle(self, events: list[SSEEvent]) -> list[ir.StreamEvent]:
        out: list[ir.StreamEvent] = []
        for sse in events:
            if self._finished:
                break
            try:
                payload = orjson.loads(sse.data)
            except orjson.JSONDecodeError:
                if sse.event == "ping":
                    continue
                out.append(self._fail("upstream sent an event that is not JSON"))
                break
            if not isinstance(payload, dict):
                out.append(self._fail("upstream sent an event that is not a JSON object"))
                break
            kind = payload.get("type") or sse.event
            try:
                self._event(str(kind), payload, out)
            except (TypeError, ValueError, KeyError, AttributeError):
                out.append(self._fail(f"upstream sent a malformed {kind} event"))
                break
        return out

    def _fail(self, message: str) -> ir.StreamError:
        self._finished = True
        return ir.StreamError(status=502, message=message, kind="api_error")

    def _ensure_started(self, out: list[ir.StreamEvent]) -> None:
        if not self._started:
            self._started = True
            out.append(ir.StreamStart(id="", model=""))

    def _event(self, kind: str, payload: dict[str, Any], out: list[ir.StreamEvent]) -> None:
        if kind == "message_start":
            if self._started:
                return
            message = payload["message"]
            usage = message.get("usage") or {}
            self._usage.update(usage)
            self._started = True
            out.append(
                ir.StreamStart(
                    id=str(message.get("id") or ""),
                    model=str(message.get("model") or ""),
                    usage=_usage_in(usage),
                )
            )
        elif kind == "content_block_start":
            self._ensure_started(out)
            self._block_start(int(payload["index"]), payload["content_block"], out)
        elif kind == "content_block_delta":
            self._ensure_started(out)
            self._block_delta(int(payload["index"]), payload["delta"], out)
        elif kind == "content_block_stop":
            self._ensure_started(out)
            index = int(payload["index"])
            held = self._opaque.pop(index, None)
            if held is not None:
                block, pieces = held
                if pieces:
                    try:
                        block["input"] = orjson.loads("".join(pieces))
                    except orjson.JSONDecodeError:
                        pass
                out.append(ir.BlockStart(index, ir.BlockKind.TEXT, data=json_text(block)))
            out.append(ir.BlockStop(index))
        elif kind == "message_delta":
            self._ensure_started(out)
            delta = payload.get("delta") or {}
            if delta.get("stop_reason") is not None:
                self._stop = _STOP_IN.get(str(delta["stop_reason"]), ir.StopReason.END_TURN)
            if delta.get("stop_sequence") is not None:
                self._stop_sequence = str(delta["stop_sequence"])
            usage = payload.get("usage") or {}
            self._usage.update({k: v for k, v in usage.items() if v is not None})
        elif kind == "message_stop":
            self._ensure_started(out)
            self._finished = True
            out.append(ir.StreamEnd(self._stop, _usage_in(self._usage), self._stop_sequence))
        elif kind == "error":
            error = payload.get("error") or {}
            err_kind = str(error.get("type") or "api_error")
            self._finished = True
            out.append(
                ir.StreamError(
                    status=_ERROR_STATUS.get(err_kind, 500),
                    message=str(error.get("message") or "upstream error"),
                    kind=err_kind,
                )
            )
        # ping and event types added later: nothing to do

    def _block_start(self, index: int, block: dict[str, Any], out: list[ir.StreamEvent]) -> None:
        kind = block["type"]
        if kind == "text":
            out.append(ir.BlockStart(index, ir.BlockKind.TEXT))
            if block.get("text"):
                out.append(ir.TextDelta(index, str(block["text"])))
        elif kind == "thinking":
            out.append(ir.BlockStart(index, ir.BlockKind.THINKING))
            if block.get("thinking"):
                out.append(ir.ThinkingDelta(index, str(block["thinking"])))
            if block.get("signature"):
                out.append(ir.SignatureDelta(index, signature=str(block["signature"])))
        elif kind == "redacted_thinking":
            out.append(
                ir.BlockStart(index, ir.BlockKind.REDACTED_THINKING, data=str(block.get("data") or ""))
            )
        elif kind == "tool_use":
            out.append(
                ir.BlockStart(
                    index,
                    ir.BlockKind.TOOL_CALL,
                    tool_call_id=str(block.get("id") or ""),
                    tool_name=unescape_tool_name(str(block.get("name") or "")),
                )
            )
            if block.get("input"):
                out.append(ir.ToolArgsDelta(index, json_text(block["input"])))
        else:
            self._opaque[index] = (dict(block), [])

    def _block_delta(self, index: int, delta: dict[str, Any], out: list[ir.StreamEvent]) -> None:
        kind = delta["type"]
        held = self._opaque.get(index)
        if held is not None:
            if kind == "input_json_delta":
                held[1].append(str(delta["partial_json"]))
            return
        if kind == "text_delta":
            out.append(ir.TextDelta(index, str(delta["text"])))
        elif kind == "thinking_delta":
            out.append(ir.ThinkingDelta(index, str(delta["thinking"])))
        elif kind == "signature_delta":
            out.append(ir.SignatureDelta(index, signature=str(delta["signature"])))
        elif kind == "input_json_delta":
            out.append(ir.ToolArgsDelta(index, str(delta["partial_json"])))
        # citations_delta and unknown deltas have no canonical event
