"""Upstream `chat.completion.chunk` SSE → canonical stream events. Chat chunks have no block
boundaries, so the decoder opens a block on the first delta of each kind (text, reasoning, one per
tool call) and closes it when the next kind starts, keeping the canonical stream strictly
sequential; OpenAI's tool-call `index` (which counts tool calls only) is mapped to block indexes, and
servers that reuse or omit it are handled. `StreamEnd` waits for `[DONE]`, since the usage chunk
comes after the finish chunk."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from app.formats import ir
from app.formats.json_values import json_text
from app.formats.openai_chat.errors import _error_info, _status_of
from app.formats.openai_chat.reasoning import _RESPONSES_FORMAT
from app.formats.openai_chat.tools import _thought_signature
from app.formats.openai_chat.usage import _ir_usage
from app.formats.openai_chat.vocabulary import _stop_reason
from app.formats.sse import ENDED_EARLY, DataStreamDecoder


@dataclass(slots=True)
class _ToolSlot:
    block: int | None  # canonical block index, once started
    call_id: str | None
    name: str | None
    signature: str | None
    pending_args: list[str]


class ChatStreamDecoder(DataStreamDecoder):
    """Upstream `chat.completion.chunk` SSE bytes → canonical stream events."""

    def __init__(self) -> None:
        super().__init__()
        self._started = False
        self._stop: ir.StopReason | None = None
        self._usage = ir.Usage()
        self._next_block = 0
        self._open: int | None = None  # the one open block (streams are sequential)
        self._open_kind: ir.BlockKind | None = None
        self._slots: list[_ToolSlot] = []
        self._by_index: dict[int, int] = {}  # upstream tool_calls index → position in _slots
        self._current: int | None = None  # the slot of the tool call being streamed
        self._saw_tool = False
        self._refusal = False
        self._plain_reasoning = False

    def _closed(self, out: list[ir.StreamEvent]) -> None:
        if self._finished:
            return
        if self._stop is not None:  # the finish chunk came, [DONE] did not: the answer is whole
            self._end(out)
        else:
            self._close_block(out)
            self._finished = True
            out.append(ENDED_EARLY)

    # --- one SSE event

    def _event(self, data: str, out: list[ir.StreamEvent]) -> None:
        if self._finished or not data:
            return
        if data.strip() == "[DONE]":
            self._end(out)
            return
        try:
            chunk = orjson.loads(data)
        except orjson.JSONDecodeError:
            self._close_block(out)
            self._finished = True
            out.append(ir.StreamError(status=502, message="upstream sent a malformed stream chunk"))
            return
        if not isinstance(chunk, dict):
            return
        error = chunk.get("error")
        if error is not None:
            info = _error_info(_status_of(error, 500), chunk)
            self._close_block(out)
            self._finished = True
            out.append(ir.StreamError(status=info.status, message=info.message, kind=info.kind))
            return
        # Azure sends a first chunk with empty id, model and choices (its prompt filter results).
        if not self._started and (chunk.get("id") or chunk.get("choices")):
            self._started = True
            created = chunk.get("created")
            out.append(
                ir.StreamStart(
                    id=str(chunk.get("id") or ""),
                    model=str(chunk.get("model") or ""),
                    created=created if isinstance(created, int) and not isinstance(created, bool) else 0,
                )
            )
        usage = chunk.get("usage")
        if not isinstance(usage, dict):
            x_groq = chunk.get("x_groq")
            usage = x_groq.get("usage") if isinstance(x_groq, dict) else None
        if isinstance(usage, dict):
            self._usage = _ir_usage(usage)
        choices = chunk.get("choices")
        if not isinstance(choices, list):
            return
        for choice in choices:
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue  # n > 1: only the first choice has a canonical home
            delta = choice.get("delta")
            if isinstance(delta, dict):
                self._delta(delta, out)
            finish = choice.get("finish_reason")
            if isinstance(finish, str) and finish:
                self._finish(finish, out)

    def _delta(self, delta: Mapping[str, Any], out: list[ir.StreamEvent]) -> None:
        plain = delta.get("reasoning_content")
        if not isinstance(plain, str):
            plain = delta.get("reasoning")
        if isinstance(plain, str) and plain:
            self._plain_reasoning = True
            self._thinking(plain, out)
        details = delta.get("reasoning_details")
        if isinstance(details, list):
            for entry in details:
                if isinstance(entry, dict):
                    # Text that also came as plain reasoning (OpenRouter sends both; a signed entry
                    # may repeat the whole text at the end) is not counted twice.
                    self._reasoning_detail(entry, self._plain_reasoning, out)
        content = delta.get("content")
        if isinstance(content, str) and content:
            self._text(content, out)
        refusal = delta.get("refusal")
        if isinstance(refusal, str) and refusal:
            self._refusal = True
            self._text(refusal, out)
        tool_calls = delta.get("tool_calls")
        if isinstance(tool_calls, list):
            for call in tool_calls:
                if isinstance(call, dict):
                    self._tool_delta(call, out)
        function_call = delta.get("function_call")
        if isinstance(function_call, dict):
            self._tool_delta({"index": 0, "function": function_call}, out)

    def _reasoning_detail(self, entry: Mapping[str, Any], had_plain: bool, out: list[ir.StreamEvent]) -> None:
        kind = entry.get("type")
        if kind == "reasoning.text":
            text = entry.get("text")
            if isinstance(text, str) and text and not had_plain:
                self._thinking(text, out)
            signature = entry.get("signature")
            if isinstance(signature, str) and signature:
                index = self._ensure(ir.BlockKind.THINKING, out)
                out.append(ir.SignatureDelta(index, signature=signature))
        elif kind == "reasoning.summary":
            summary = entry.get("summary")
            if isinstance(summary, str) and summary and not had_plain:
                self._thinking(summary, out)
        elif kind == "reasoning.encrypted" and isinstance(entry.get("data"), str):
            entry_id = entry.get("id") if isinstance(entry.get("id"), str) else None
            if entry.get("format") == _RESPONSES_FORMAT or (entry_id or "").startswith("rs_"):
                index = self._ensure(ir.BlockKind.THINKING, out)
                out.append(ir.SignatureDelta(index, encrypted=entry["data"], reasoning_id=entry_id))
            else:
                self._close_block(out)
                index = self._new_block()
                out.append(ir.BlockStart(index, ir.BlockKind.REDACTED_THINKING, data=entry["data"]))
                out.append(ir.BlockStop(index))

    # --- blocks

    def _new_block(self) -> int:
        index = self._next_block
        self._next_block += 1
        return index

    def _ensure(self, kind: ir.BlockKind, out: list[ir.StreamEvent]) -> int:
        """The open block of `kind`, opening one (and closing any other) if needed."""
        if self._open is not None and self._open_kind is kind:
            return self._open
        self._close_block(out)
        index = self._new_block()
        out.append(ir.BlockStart(index, kind))
        self._open, self._open_kind = index, kind
        return index

    def _close_block(self, out: list[ir.StreamEvent]) -> None:
        if self._current is not None:
            slot = self._slots[self._current]
            if slot.block is None:
                self._start_tool(slot, out)
        if self._open is not None:
            out.append(ir.BlockStop(self._open))
            self._open = self._open_kind = None
        self._current = None

    def _thinking(self, text: str, out: list[ir.StreamEvent]) -> None:
        out.append(ir.ThinkingDelta(self._ensure(ir.BlockKind.THINKING, out), text))

    def _text(self, text: str, out: list[ir.StreamEvent]) -> None:
        out.append(ir.TextDelta(self._ensure(ir.BlockKind.TEXT, out), text))

    def _tool_delta(self, call: Mapping[str, Any], out: list[ir.StreamEvent]) -> None:
        raw_index = call.get("index")
        function = call.get("function")
        function = function if isinstance(function, dict) else {}
        call_id = call.get("id") if isinstance(call.get("id"), str) and call.get("id") else None
        name = (
            function.get("name") if isinstance(function.get("name"), str) and function.get("name") else None
        )
        arguments = function.get("arguments")
        if isinstance(arguments, dict):
            arguments = json_text(arguments)
        index = raw_index if isinstance(raw_index, int) and not isinstance(raw_index, bool) else None
        position = self._by_index.get(index) if index is not None else self._current
        if position is not None:
            slot = self._slots[position]
            # A different call at the same place: Ollama-style servers reuse index 0 for every call of
            # a parallel batch, some others send calls without an index at all.
            new_id = bool(call_id and slot.call_id and call_id != slot.call_id)
            new_name = bool(name and slot.name and name != slot.name)
            if (new_id and (name or index is None)) or (index is None and new_name):
                position = None
        if position is None:
            self._close_block(out)
            position = len(self._slots)
            self._slots.append(_ToolSlot(None, call_id, name, _thought_signature(call), []))
            if index is not None:
                self._by_index[index] = position
            self._current = position
        elif position != self._current:
            # A late fragment of a call that was already closed (the upstream interleaved its calls):
            # the canonical stream is sequential, so there is nowhere to put it.
            return
        slot = self._slots[position]
        slot.call_id = slot.call_id or call_id
        slot.name = slot.name or name
        slot.signature = slot.signature or _thought_signature(call)
        if slot.block is None:
            if isinstance(arguments, str) and arguments:
                slot.pending_args.append(arguments)
            if slot.name is not None:
                self._start_tool(slot, out)
            return
        if isinstance(arguments, str) and arguments:
            out.append(ir.ToolArgsDelta(slot.block, arguments))

    def _start_tool(self, slot: _ToolSlot, out: list[ir.StreamEvent]) -> None:
        index = self._new_block()
        slot.block = index
        self._saw_tool = True
        out.append(
            ir.BlockStart(
                index,
                ir.BlockKind.TOOL_CALL,
                tool_call_id=slot.call_id or f"call_{index}",
                tool_name=slot.name or "",
                thought_signature=slot.signature,
            )
        )
        self._open, self._open_kind = index, ir.BlockKind.TOOL_CALL
        if slot.pending_args:
            out.append(ir.ToolArgsDelta(index, "".join(slot.pending_args)))
            slot.pending_args = []

    # --- the end

    def _finish(self, finish_reason: str, out: list[ir.StreamEvent]) -> None:
        self._close_block(out)
        stop = _stop_reason(finish_reason)
        if stop is ir.StopReason.END_TURN and self._refusal:
            stop = ir.StopReason.REFUSAL
        self._stop = stop

    def _end(self, out: list[ir.StreamEvent]) -> None:
        self._close_block(out)
        if not self._started:
            self._started = True
            out.append(ir.StreamStart(id="", model=""))
        stop = self._stop
        if stop is None:
            stop = ir.StopReason.TOOL_USE if self._saw_tool else ir.StopReason.END_TURN
        self._finished = True
        out.append(ir.StreamEnd(stop_reason=stop, usage=self._usage))
