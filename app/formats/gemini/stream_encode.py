"""Canonical stream events → Gemini SSE, in the shape Gemini itself streams: one chunk per text or
thought delta, each function call whole when its block ends, signatures on empty parts, and a last
chunk with finishReason and usageMetadata (no terminator after it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.formats import ir
from app.formats.adapter import ErrorInfo
from app.formats.gemini.errors import _stream_error_bytes
from app.formats.gemini.fields import SYNTHETIC_ID_PREFIX, _JSONDict
from app.formats.gemini.response import _STOP_TO_FINISH
from app.formats.gemini.tools import sanitize_name
from app.formats.gemini.usage import metadata_from_usage
from app.formats.sse import encode_json_event
from app.formats.tool_arguments import arguments_object


@dataclass
class _ToolBuffer:
    call_id: str | None
    name: str
    signature: str | None
    args: list[str] = field(default_factory=list)


class GeminiStreamEncoder:
    """Canonical events → Gemini SSE: one chunk per text or thought delta, each tool call whole when
    its block ends, and a last chunk with finishReason and usageMetadata (no terminator after it)."""

    def __init__(self, request: ir.Request) -> None:
        self._model = request.model
        self._id = ""
        self._kinds: dict[int, ir.BlockKind] = {}
        self._thought_text: set[int] = set()
        self._tools: dict[int, _ToolBuffer] = {}
        self._done = False
        # The prompt usage known at the start, sent once on the first chunk (as Gemini does).
        self._start_usage: _JSONDict | None = None

    def _chunk(
        self, parts: list[_JSONDict], finish: str | None = None, usage: ir.Usage | None = None
    ) -> bytes:
        candidate: _JSONDict = {"content": {"parts": parts, "role": "model"}}
        if finish is not None:
            candidate["finishReason"] = finish
        candidate["index"] = 0
        body: _JSONDict = {"candidates": [candidate]}
        if usage is not None:
            body["usageMetadata"] = metadata_from_usage(usage)
        elif self._start_usage is not None:
            body["usageMetadata"] = self._start_usage
        self._start_usage = None
        body["modelVersion"] = self._model
        if self._id:
            body["responseId"] = self._id
        return encode_json_event(body)

    def feed(self, event: ir.StreamEvent) -> bytes:
        if self._done:
            return b""
        if isinstance(event, ir.StreamStart):
            self._id = event.id
            if event.usage.input_tokens:
                self._start_usage = {
                    "promptTokenCount": event.usage.input_tokens,
                    "totalTokenCount": event.usage.input_tokens,
                }
                if event.usage.cache_read_tokens:
                    self._start_usage["cachedContentTokenCount"] = event.usage.cache_read_tokens
            return b""
        if isinstance(event, ir.BlockStart):
            self._kinds[event.index] = event.kind
            if event.kind is ir.BlockKind.TOOL_CALL:
                self._tools[event.index] = _ToolBuffer(
                    event.tool_call_id, event.tool_name or "", event.thought_signature
                )
            elif event.thought_signature:
                return self._signature(ir.SignatureDelta(event.index, signature=event.thought_signature))
            return b""
        if isinstance(event, ir.TextDelta):
            return self._chunk([{"text": event.text}]) if event.text else b""
        if isinstance(event, ir.ThinkingDelta):
            if not event.text:
                return b""
            self._thought_text.add(event.index)
            return self._chunk([{"text": event.text, "thought": True}])
        if isinstance(event, ir.SignatureDelta):
            return self._signature(event)
        if isinstance(event, ir.ToolArgsDelta):
            tool = self._tools.get(event.index)
            if tool is not None:
                tool.args.append(event.partial_json)
            return b""
        if isinstance(event, ir.BlockStop):
            self._kinds.pop(event.index, None)
            self._thought_text.discard(event.index)
            tool = self._tools.pop(event.index, None)
            return self._chunk([self._call(tool)]) if tool is not None else b""
        if isinstance(event, ir.StreamEnd):
            self._done = True
            pending = [self._call(tool) for tool in self._tools.values()]
            self._tools.clear()
            head = self._chunk(pending) if pending else b""
            return head + self._chunk([{"text": ""}], _STOP_TO_FINISH[event.stop_reason], event.usage)
        # StreamError
        self._done = True
        return _stream_error_bytes(ErrorInfo(status=event.status, message=event.message, kind=event.kind))

    @staticmethod
    def _call(tool: _ToolBuffer) -> _JSONDict:
        call: _JSONDict = {"name": sanitize_name(tool.name)}
        if tool.call_id and not tool.call_id.startswith(SYNTHETIC_ID_PREFIX):
            call["id"] = tool.call_id
        call["args"] = arguments_object("".join(tool.args), "arguments", [])
        part: _JSONDict = {"functionCall": call}
        if tool.signature:
            part["thoughtSignature"] = tool.signature
        return part

    def _signature(self, event: ir.SignatureDelta) -> bytes:
        if not event.signature:
            return b""
        kind = self._kinds.get(event.index)
        if kind is ir.BlockKind.TOOL_CALL:
            tool = self._tools.get(event.index)
            if tool is not None:
                tool.signature = event.signature
            return b""
        if kind is ir.BlockKind.THINKING and event.index in self._thought_text:
            return self._chunk([{"text": "", "thought": True, "thoughtSignature": event.signature}])
        # A signature without thought text: Gemini closes a signed text part this way.
        return self._chunk([{"text": "", "thoughtSignature": event.signature}])

    def close(self) -> bytes:
        return b""
