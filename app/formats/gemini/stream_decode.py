"""`streamGenerateContent?alt=sse` bytes → canonical stream events. Every SSE `data:` is a whole
GenerateContentResponse carrying the next parts, so this keeps the open block, turns consecutive
text or thought parts into deltas, emits each function call as a complete block, and ends at the
chunk with a finishReason (or reports an error when the stream stops before one)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from app.formats import ir
from app.formats.gemini.errors import _kind_for
from app.formats.gemini.fields import SYNTHETIC_ID_PREFIX, _get, _str_or_none
from app.formats.gemini.parts_decode import _describe_part
from app.formats.gemini.response import _response_id_stem, _stop_reason
from app.formats.gemini.usage import usage_from_metadata
from app.formats.json_values import json_text
from app.formats.sse import DataStreamDecoder


class GeminiStreamDecoder(DataStreamDecoder):
    """`streamGenerateContent?alt=sse` bytes → canonical events. Each `data:` is a whole
    GenerateContentResponse with the next parts; the one with a finishReason ends the stream."""

    def __init__(self) -> None:
        super().__init__()
        self._started = False
        self._next_index = 0
        self._open: tuple[int, ir.BlockKind] | None = None
        self._open_signed = False  # the open thinking block already has its signature
        self._pending_signature: str | None = None  # of the open text block, emitted when it closes
        self._calls = 0
        self._saw_calls = False
        self._usage = ir.Usage()
        self._stem = ""

    # ---- internals

    def _event(self, data: str, events: list[ir.StreamEvent]) -> None:
        if self._finished or not data.strip():
            return
        try:
            chunk = orjson.loads(data)
        except orjson.JSONDecodeError:
            self._finished = True
            events.append(ir.StreamError(status=502, message="upstream sent a malformed stream chunk"))
            return
        if not isinstance(chunk, dict):
            return
        error = chunk.get("error")
        if isinstance(error, Mapping):
            self._finished = True
            code = error.get("code")
            status = code if isinstance(code, int) and 400 <= code < 600 else 500
            google_status = _str_or_none(error.get("status"))
            message = _str_or_none(error.get("message")) or "upstream error"
            events.append(
                ir.StreamError(status=status, message=message, kind=_kind_for(status, google_status, None))
            )
            return
        if not self._started:
            self._started = True
            response_id = _get(chunk, "responseId")
            model = _get(chunk, "modelVersion")
            self._stem = _response_id_stem(response_id if isinstance(response_id, str) else None, data)
            usage = usage_from_metadata(_get(chunk, "usageMetadata"))
            events.append(
                ir.StreamStart(
                    id=response_id if isinstance(response_id, str) else "",
                    model=model if isinstance(model, str) else "",
                    usage=ir.Usage(
                        input_tokens=usage.input_tokens, cache_read_tokens=usage.cache_read_tokens
                    ),
                )
            )
        meta = _get(chunk, "usageMetadata")
        if isinstance(meta, Mapping):
            self._usage = usage_from_metadata(meta)
        candidates = _get(chunk, "candidates")
        candidate = candidates[0] if isinstance(candidates, list) and candidates else None
        finish: str | None = None
        if isinstance(candidate, Mapping):
            content = _get(candidate, "content")
            parts = _get(content, "parts") if isinstance(content, Mapping) else None
            if isinstance(parts, list):
                for part in parts:
                    if isinstance(part, Mapping):
                        self._part(part, events)
            reason = _get(candidate, "finishReason")
            finish = reason if isinstance(reason, str) else None
        feedback = _get(chunk, "promptFeedback")
        blocked = not candidates and isinstance(feedback, Mapping) and bool(_get(feedback, "blockReason"))
        if finish is not None or blocked:
            self._close_block(events)
            self._finished = True
            stop = ir.StopReason.CONTENT_FILTER if blocked else _stop_reason(finish, self._saw_calls)
            events.append(ir.StreamEnd(stop_reason=stop, usage=self._usage))

    def _start(self, kind: ir.BlockKind, events: list[ir.StreamEvent], **fields: Any) -> int:
        index = self._next_index
        self._next_index += 1
        events.append(ir.BlockStart(index=index, kind=kind, **fields))
        return index

    def _close_block(self, events: list[ir.StreamEvent]) -> None:
        if self._open is None:
            return
        index, kind = self._open
        self._open = None
        events.append(ir.BlockStop(index))
        if kind is ir.BlockKind.TEXT and self._pending_signature is not None:
            self._carrier(self._pending_signature, events)
            self._pending_signature = None

    def _carrier(self, signature: str, events: list[ir.StreamEvent]) -> None:
        index = self._start(ir.BlockKind.THINKING, events)
        events.append(ir.SignatureDelta(index=index, signature=signature))
        events.append(ir.BlockStop(index))

    def _ensure(self, kind: ir.BlockKind, events: list[ir.StreamEvent]) -> int:
        if self._open is not None and self._open[1] is kind:
            return self._open[0]
        self._close_block(events)
        index = self._start(kind, events)
        self._open = (index, kind)
        self._open_signed = False
        return index

    def _part(self, part: Mapping[str, Any], events: list[ir.StreamEvent]) -> None:
        signature = _get(part, "thoughtSignature")
        signature = signature if isinstance(signature, str) and signature else None
        fc = _get(part, "functionCall")
        if isinstance(fc, Mapping):
            self._close_block(events)
            name = _get(fc, "name")
            call_id = _get(fc, "id")
            if not isinstance(call_id, str) or not call_id:
                call_id = f"{SYNTHETIC_ID_PREFIX}{self._stem}_{self._calls}"
            self._calls += 1
            self._saw_calls = True
            args = _get(fc, "args")
            index = self._start(
                ir.BlockKind.TOOL_CALL,
                events,
                tool_call_id=call_id,
                tool_name=name if isinstance(name, str) else "",
                thought_signature=signature,
            )
            events.append(
                ir.ToolArgsDelta(
                    index=index, partial_json=json_text(args if isinstance(args, Mapping) else {})
                )
            )
            events.append(ir.BlockStop(index))
            return
        text = part.get("text")
        if not isinstance(text, str):
            described = _describe_part(part)
            if not described:
                if signature is not None:
                    self._close_block(events)
                    self._carrier(signature, events)
                return  # media and other parts have no stream event in the canonical form
            text = described
        if _get(part, "thought") is True:
            if (
                self._open is not None
                and self._open[1] is ir.BlockKind.THINKING
                and self._open_signed
                and text
            ):
                self._close_block(events)  # more thought after a signature: a new block
            index = self._ensure(ir.BlockKind.THINKING, events)
            if text:
                events.append(ir.ThinkingDelta(index=index, text=text))
            if signature is not None:
                events.append(ir.SignatureDelta(index=index, signature=signature))
                self._open_signed = True
            return
        if not text and (self._open is None or self._open[1] is not ir.BlockKind.TEXT):
            if signature is not None:
                self._close_block(events)
                self._carrier(signature, events)
            return
        index = self._ensure(ir.BlockKind.TEXT, events)
        if text:
            events.append(ir.TextDelta(index=index, text=text))
        if signature is not None:
            if self._pending_signature is not None:
                self._carrier(self._pending_signature, events)
            self._pending_signature = signature
