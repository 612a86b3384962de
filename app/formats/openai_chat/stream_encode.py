"""Canonical stream events → `chat.completion.chunk` SSE framed as api.openai.com frames it (role
chunk first, tool-call headers in their own delta, finish chunk, optional usage chunk, `[DONE]`), so
the official SDK's stream accumulator rebuilds the same completion. Signed or encrypted reasoning
goes out as `reasoning_details` entries; an error or an early end becomes an in-stream error event."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from app.formats import ir
from app.formats.adapter import ErrorInfo
from app.formats.openai_chat.errors import encode_stream_error
from app.formats.openai_chat.reasoning import _reasoning_detail
from app.formats.openai_chat.usage import _chat_usage
from app.formats.openai_chat.vocabulary import _completion_id, _finish_reason
from app.formats.sse import ENDED_EARLY, encode_json_event

_DONE: Final = b"data: [DONE]\n\n"


class ChatStreamEncoder:
    """Canonical stream events → `chat.completion.chunk` SSE, as api.openai.com frames them."""

    def __init__(self, request: ir.Request) -> None:
        self._model = request.model
        self._with_usage = request.stream_usage
        self._id = "chatcmpl-0"
        self._created = 0
        self._started = False
        self._role_sent = False
        self._done = False
        self._tool_index: dict[int, int] = {}  # canonical block index → OpenAI tool_calls index
        self._kinds: dict[int, ir.BlockKind] = {}
        self._thinking_text: dict[int, list[str]] = {}
        self._details = 0

    def _head(self) -> dict[str, Any]:
        return {
            "id": self._id,
            "object": "chat.completion.chunk",
            "created": self._created,
            "model": self._model,
            "service_tier": "default",
            "system_fingerprint": None,
        }

    def _chunk(self, delta: Mapping[str, Any], finish_reason: str | None = None) -> bytes:
        obj = self._head()
        obj["choices"] = [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]
        if self._with_usage:
            obj["usage"] = None
        return encode_json_event(obj)

    def _delta(self, delta: dict[str, Any]) -> bytes:
        """A delta chunk; the very first one also carries the role, as OpenAI's does."""
        if self._role_sent:
            return self._chunk(delta)
        self._role_sent = True
        if "tool_calls" in delta:
            # A tool call first: OpenAI puts its header into the role chunk, with content null.
            return self._chunk({"role": "assistant", "content": None, **delta, "refusal": None})
        head = self._chunk({"role": "assistant", "content": "", "refusal": None})
        if delta.get("content") == "" and len(delta) == 1:
            return head
        return head + self._chunk(delta)

    def feed(self, event: ir.StreamEvent) -> bytes:
        if self._done:
            return b""
        if isinstance(event, ir.StreamStart):
            if not self._started:
                self._started = True
                self._id = _completion_id(event.id)
                self._created = event.created
            return b""
        self._started = True
        if isinstance(event, ir.StreamError):
            self._done = True
            return self._error(event)
        if isinstance(event, ir.BlockStart):
            self._kinds[event.index] = event.kind
            if event.kind is ir.BlockKind.TOOL_CALL:
                index = len(self._tool_index)
                self._tool_index[event.index] = index
                call: dict[str, Any] = {
                    "index": index,
                    "id": event.tool_call_id or f"call_{event.index}",
                    "type": "function",
                    "function": {"name": event.tool_name or "", "arguments": ""},
                }
                if event.thought_signature is not None:
                    call["extra_content"] = {"google": {"thought_signature": event.thought_signature}}
                return self._delta({"tool_calls": [call]})
            if event.kind is ir.BlockKind.REDACTED_THINKING and event.data is not None:
                return self._detail(ir.RedactedThinkingPart(event.data))
            if event.kind is ir.BlockKind.THINKING:
                self._thinking_text[event.index] = []
            return b""
        if isinstance(event, ir.TextDelta):
            return self._delta({"content": event.text}) if event.text else b""
        if isinstance(event, ir.ThinkingDelta):
            if not event.text:
                return b""
            self._thinking_text.setdefault(event.index, []).append(event.text)
            return self._delta({"reasoning_content": event.text})
        if isinstance(event, ir.SignatureDelta):
            text = "".join(self._thinking_text.get(event.index, ()))
            return self._detail(
                ir.ThinkingPart(
                    text,
                    signature=event.signature,
                    encrypted=event.encrypted,
                    reasoning_id=event.reasoning_id,
                )
            )
        if isinstance(event, ir.ToolArgsDelta):
            position = self._tool_index.get(event.index)
            if position is None or not event.partial_json:
                return b""
            return self._delta(
                {"tool_calls": [{"index": position, "function": {"arguments": event.partial_json}}]}
            )
        if isinstance(event, ir.BlockStop):
            return b""
        # StreamEnd
        self._done = True
        out = b"" if self._role_sent else self._delta({"content": ""})
        out += self._chunk({}, _finish_reason(event.stop_reason))
        if self._with_usage:
            obj = self._head()
            obj["choices"] = []
            obj["usage"] = _chat_usage(event.usage)
            out += encode_json_event(obj)
        return out + _DONE

    def _detail(self, part: ir.ThinkingPart | ir.RedactedThinkingPart) -> bytes:
        entry = _reasoning_detail(part, self._details)
        if entry is None:
            return b""
        self._details += 1
        return self._delta({"reasoning_details": [entry]})

    def _error(self, event: ir.StreamError) -> bytes:
        return encode_stream_error(ErrorInfo(event.status, event.message, event.kind))

    def close(self) -> bytes:
        if self._done:
            return b""
        self._done = True
        # Neither an end nor an error came: tell the client the answer is incomplete.
        return self._error(ENDED_EARLY)
