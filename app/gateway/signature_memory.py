"""Signatures of tool calls handed to clients whose format has nowhere to keep them.

Gemini signs function calls and wants the signature back on the next turn. An Anthropic client
(Claude Code) has no field for it on `tool_use`, so the signature would be lost and Gemini 3 would
have to be told to skip validation, which Google says degrades the model. The gateway remembers
the signature under the call's id, which every client does hand back, and restores it when that
call reappears in a later request. Bounded, in memory: after a restart the fallback still works.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict

from app.formats.ir import BlockStart, Message, Part, Request, Response, StreamEvent, ToolCallPart

DEFAULT_CAPACITY = 4096


class SignatureMemory:
    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._capacity = capacity
        self._by_call: OrderedDict[str, str] = OrderedDict()

    def __len__(self) -> int:
        return len(self._by_call)

    def remember(self, call_id: str | None, signature: str | None) -> None:
        if not call_id or not signature:
            return
        self._by_call[call_id] = signature
        self._by_call.move_to_end(call_id)
        while len(self._by_call) > self._capacity:
            self._by_call.popitem(last=False)

    def remember_response(self, response: Response) -> None:
        for part in response.content:
            if isinstance(part, ToolCallPart):
                self.remember(part.id, part.thought_signature)

    def remember_event(self, event: StreamEvent) -> None:
        if isinstance(event, BlockStart) and event.thought_signature:
            self.remember(event.tool_call_id, event.thought_signature)

    def restore(self, request: Request) -> Request:
        """The request with remembered signatures put back on tool calls that arrived without one."""
        if not self._by_call:
            return request
        messages: list[Message] = []
        changed = False
        for message in request.messages:
            parts: list[Part] = []
            touched = False
            for part in message.parts:
                if isinstance(part, ToolCallPart) and part.thought_signature is None:
                    known = self._by_call.get(part.id)
                    if known is not None:
                        part = dataclasses.replace(part, thought_signature=known)
                        touched = True
                parts.append(part)
            messages.append(dataclasses.replace(message, parts=tuple(parts)) if touched else message)
            changed = changed or touched
        return dataclasses.replace(request, messages=tuple(messages)) if changed else request
