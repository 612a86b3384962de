"""Canonical stream events → Responses SSE with the SDK's event sequence (`response.created` …
`response.completed` / `response.incomplete` / `response.failed`, a sequence number on each).
Interleaved canonical blocks are serialised into non-overlapping output items: the block at the
head of the queue streams live and the others are buffered until it stops; consecutive text
blocks share one message item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.formats import ir
from app.formats.adapter import ErrorInfo
from app.formats.openai_responses.errors import _error_event, _failed_code, _frame
from app.formats.openai_responses.items_encode import _Writer
from app.formats.openai_responses.reasoning import seal
from app.formats.openai_responses.response import _echo, _id_base, _response_id, _response_object, _status_of
from app.formats.openai_responses.tools import _custom_input, _custom_names
from app.formats.openai_responses.usage import _merge_usage


@dataclass(slots=True)
class _EBlock:
    index: int
    kind: ir.BlockKind
    call_id: str | None = None
    name: str | None = None
    data: str | None = None
    thought_signature: str | None = None
    pending: list[str] = field(default_factory=list)  # deltas buffered while not at the head
    text: list[str] = field(default_factory=list)  # everything emitted so far
    stopped: bool = False
    active: bool = False
    signature: str | None = None
    encrypted: str | None = None
    reasoning_id: str | None = None
    # wire state
    item_id: str = ""
    output_index: int = -1
    content_index: int = 0
    part_open: bool = False
    custom: bool = False


@dataclass(slots=True)
class _OpenMessage:
    item_id: str
    output_index: int
    content: list[dict[str, Any]] = field(default_factory=list)


class ResponsesStreamEncoder:
    """Canonical events → Responses SSE. Interleaved canonical blocks are serialised into
    non-overlapping output items: the block at the head of the queue streams live, the others
    are buffered until it stops. Consecutive text blocks share one message item."""

    def __init__(self, request: ir.Request) -> None:
        self._request = request
        self._echo = _echo(request)
        self._custom = _custom_names(request)
        self._seq = 0
        self._id = ""
        self._created = 0
        self._model = request.model
        self._start_usage = ir.Usage()
        self._started = False
        self._finished = False
        self._output: list[dict[str, Any]] = []
        self._blocks: dict[int, _EBlock] = {}
        self._queue: list[_EBlock] = []
        self._msg: _OpenMessage | None = None
        self._writer = _Writer(output=True)
        self._buf: list[bytes] = []

    # ---- public

    def feed(self, event: ir.StreamEvent) -> bytes:
        if self._finished:
            return b""
        if isinstance(event, ir.StreamStart):
            self._begin(event.id, event.created, event.usage)
        elif isinstance(event, ir.StreamError):
            self._fail(ErrorInfo(event.status, event.message, event.kind))
        else:
            if not self._started:
                self._begin("", 0, ir.Usage())
            if isinstance(event, ir.BlockStart):
                self._block_start(event)
            elif isinstance(event, ir.TextDelta | ir.ThinkingDelta | ir.ToolArgsDelta):
                self._delta(event)
            elif isinstance(event, ir.SignatureDelta):
                blk = self._blocks.get(event.index)
                if blk is not None:
                    blk.signature = event.signature or blk.signature
                    blk.encrypted = event.encrypted or blk.encrypted
                    blk.reasoning_id = event.reasoning_id or blk.reasoning_id
            elif isinstance(event, ir.BlockStop):
                blk = self._blocks.get(event.index)
                if blk is not None and not blk.stopped:
                    blk.stopped = True
                    if self._queue and self._queue[0] is blk:
                        self._advance()
            elif isinstance(event, ir.StreamEnd):
                self._end(event)
        return self._flush()

    def close(self) -> bytes:
        if not self._finished and self._started:
            self._fail(ErrorInfo(502, "the stream ended without a terminal event", "api_error"))
        return self._flush()

    # ---- plumbing

    def _flush(self) -> bytes:
        out = b"".join(self._buf)
        self._buf.clear()
        return out

    def _emit(self, payload: dict[str, Any]) -> None:
        payload["sequence_number"] = self._seq
        self._seq += 1
        self._buf.append(_frame(payload))

    def _response(
        self, status: str, *, usage: ir.Usage | None = None, incomplete: str | None = None, error: Any = None
    ) -> dict[str, Any]:
        return _response_object(
            response_id=self._id,
            created=self._created,
            model=self._model,
            echo=self._echo,
            status=status,
            output=list(self._output),
            usage=usage,
            incomplete=incomplete,
            error=error,
        )

    def _begin(self, upstream_id: str, created: int, usage: ir.Usage) -> None:
        if self._started:
            return
        self._started = True
        self._id = _response_id(upstream_id)
        self._writer.id_base = _id_base(self._id)
        self._created = created
        self._start_usage = usage
        self._emit({"type": "response.created", "response": self._response("in_progress")})
        self._emit({"type": "response.in_progress", "response": self._response("in_progress")})

    def _block_start(self, event: ir.BlockStart) -> None:
        if event.index in self._blocks:
            return
        blk = _EBlock(
            index=event.index,
            kind=event.kind,
            call_id=event.tool_call_id,
            name=event.tool_name,
            data=event.data,
            thought_signature=event.thought_signature,
        )
        blk.custom = blk.kind is ir.BlockKind.TOOL_CALL and (blk.name or "") in self._custom
        self._blocks[event.index] = blk
        self._queue.append(blk)
        if len(self._queue) == 1:
            self._activate(blk)

    def _delta(self, event: ir.TextDelta | ir.ThinkingDelta | ir.ToolArgsDelta) -> None:
        blk = self._blocks.get(event.index)
        if blk is None:
            kind = (
                ir.BlockKind.TEXT
                if isinstance(event, ir.TextDelta)
                else ir.BlockKind.THINKING
                if isinstance(event, ir.ThinkingDelta)
                else ir.BlockKind.TOOL_CALL
            )
            self._block_start(ir.BlockStart(event.index, kind))
            blk = self._blocks[event.index]
        text = event.partial_json if isinstance(event, ir.ToolArgsDelta) else event.text
        if not text or blk.stopped:
            return
        if blk.active:
            self._live(blk, text)
        else:
            blk.pending.append(text)

    def _advance(self) -> None:
        while self._queue and self._queue[0].stopped:
            self._close_block(self._queue.pop(0))
            if self._queue:
                self._activate(self._queue[0])

    def _close_message(self) -> None:
        msg, self._msg = self._msg, None
        if msg is None:
            return
        item = {
            "id": msg.item_id,
            "type": "message",
            "status": "completed",
            "content": msg.content,
            "role": "assistant",
        }
        self._output.append(item)
        self._emit({"type": "response.output_item.done", "output_index": msg.output_index, "item": item})

    def _activate(self, blk: _EBlock) -> None:
        blk.active = True
        if blk.kind is ir.BlockKind.TEXT:
            if self._msg is None:
                self._msg = _OpenMessage(self._writer.new_id("msg"), len(self._output))
                self._emit(
                    {
                        "type": "response.output_item.added",
                        "output_index": self._msg.output_index,
                        "item": {
                            "id": self._msg.item_id,
                            "type": "message",
                            "status": "in_progress",
                            "content": [],
                            "role": "assistant",
                        },
                    }
                )
            blk.item_id = self._msg.item_id
            blk.output_index = self._msg.output_index
            blk.content_index = len(self._msg.content)
            self._emit(
                {
                    "type": "response.content_part.added",
                    "item_id": blk.item_id,
                    "output_index": blk.output_index,
                    "content_index": blk.content_index,
                    "part": {"type": "output_text", "annotations": [], "logprobs": [], "text": ""},
                }
            )
        else:
            self._close_message()
            if blk.kind is ir.BlockKind.THINKING:
                blk.item_id = self._writer.new_id("rs")
                blk.output_index = len(self._output)
                self._emit(
                    {
                        "type": "response.output_item.added",
                        "output_index": blk.output_index,
                        "item": {"id": blk.item_id, "type": "reasoning", "summary": []},
                    }
                )
            elif blk.kind is ir.BlockKind.TOOL_CALL:
                if blk.thought_signature is not None:
                    self._whole_item(
                        self._writer.sealed_reasoning(
                            {"k": "tool_sigs", "sigs": {blk.call_id or "": blk.thought_signature}}
                        )
                    )
                if blk.call_id is None:
                    blk.call_id = self._writer.new_id("call")
                blk.output_index = len(self._output)
                if not blk.custom:
                    blk.item_id = self._writer.new_id("fc")
                    self._emit(
                        {
                            "type": "response.output_item.added",
                            "output_index": blk.output_index,
                            "item": {
                                "id": blk.item_id,
                                "type": "function_call",
                                "status": "in_progress",
                                "arguments": "",
                                "call_id": blk.call_id,
                                "name": blk.name or "",
                            },
                        }
                    )
            # Redacted thinking is written whole when the block stops.
        if blk.pending:
            text = "".join(blk.pending)
            blk.pending.clear()
            self._live(blk, text)

    def _live(self, blk: _EBlock, text: str) -> None:
        blk.text.append(text)
        if blk.kind is ir.BlockKind.TEXT:
            self._emit(
                {
                    "type": "response.output_text.delta",
                    "item_id": blk.item_id,
                    "output_index": blk.output_index,
                    "content_index": blk.content_index,
                    "delta": text,
                    "logprobs": [],
                }
            )
        elif blk.kind is ir.BlockKind.THINKING:
            if not blk.part_open:
                blk.part_open = True
                self._emit(
                    {
                        "type": "response.reasoning_summary_part.added",
                        "item_id": blk.item_id,
                        "output_index": blk.output_index,
                        "summary_index": 0,
                        "part": {"type": "summary_text", "text": ""},
                    }
                )
            self._emit(
                {
                    "type": "response.reasoning_summary_text.delta",
                    "item_id": blk.item_id,
                    "output_index": blk.output_index,
                    "summary_index": 0,
                    "delta": text,
                }
            )
        elif blk.kind is ir.BlockKind.TOOL_CALL and not blk.custom:
            self._emit(
                {
                    "type": "response.function_call_arguments.delta",
                    "item_id": blk.item_id,
                    "output_index": blk.output_index,
                    "delta": text,
                }
            )
        # Custom tool input and redacted thinking are sent whole at the end of the block.

    def _whole_item(self, item: dict[str, Any]) -> None:
        index = len(self._output)
        added = dict(item)
        if added.get("type") == "reasoning":
            added["summary"] = []
            added.pop("encrypted_content", None)
        self._emit({"type": "response.output_item.added", "output_index": index, "item": added})
        self._output.append(item)
        self._emit({"type": "response.output_item.done", "output_index": index, "item": item})

    def _close_block(self, blk: _EBlock) -> None:
        if not blk.active:
            self._activate(blk)
        text = "".join(blk.text)
        if blk.kind is ir.BlockKind.TEXT:
            assert self._msg is not None
            base = {
                "item_id": blk.item_id,
                "output_index": blk.output_index,
                "content_index": blk.content_index,
            }
            self._emit({"type": "response.output_text.done", **base, "text": text, "logprobs": []})
            part = {"type": "output_text", "annotations": [], "logprobs": [], "text": text}
            self._emit({"type": "response.content_part.done", **base, "part": part})
            self._msg.content.append(part)
        elif blk.kind is ir.BlockKind.THINKING:
            base = {"item_id": blk.item_id, "output_index": blk.output_index, "summary_index": 0}
            if blk.part_open:
                self._emit({"type": "response.reasoning_summary_text.done", **base, "text": text})
                self._emit(
                    {
                        "type": "response.reasoning_summary_part.done",
                        **base,
                        "part": {"type": "summary_text", "text": text},
                    }
                )
            item: dict[str, Any] = {
                "id": blk.item_id,
                "type": "reasoning",
                "summary": [{"type": "summary_text", "text": text}] if text else [],
            }
            signature = blk.signature or blk.thought_signature
            if blk.encrypted is not None:
                item["encrypted_content"] = blk.encrypted
            elif signature is not None:
                item["encrypted_content"] = seal({"k": "thinking", "sig": signature})
            self._output.append(item)
            self._emit({"type": "response.output_item.done", "output_index": blk.output_index, "item": item})
        elif blk.kind is ir.BlockKind.REDACTED_THINKING:
            self._whole_item(self._writer.sealed_reasoning({"k": "redacted", "data": blk.data or text}))
        elif blk.custom:
            item_id = self._writer.new_id("ctc")
            index = len(self._output)
            value = _custom_input(text)
            head = {"type": "custom_tool_call", "id": item_id, "call_id": blk.call_id, "name": blk.name or ""}
            self._emit(
                {"type": "response.output_item.added", "output_index": index, "item": {**head, "input": ""}}
            )
            base = {"item_id": item_id, "output_index": index}
            if value:
                self._emit({"type": "response.custom_tool_call_input.delta", **base, "delta": value})
            self._emit({"type": "response.custom_tool_call_input.done", **base, "input": value})
            item = {**head, "input": value}
            self._output.append(item)
            self._emit({"type": "response.output_item.done", "output_index": index, "item": item})
        else:
            base = {"item_id": blk.item_id, "output_index": blk.output_index}
            self._emit({"type": "response.function_call_arguments.done", **base, "arguments": text})
            item = {
                "id": blk.item_id,
                "type": "function_call",
                "status": "completed",
                "arguments": text,
                "call_id": blk.call_id,
                "name": blk.name or "",
            }
            self._output.append(item)
            self._emit({"type": "response.output_item.done", "output_index": blk.output_index, "item": item})

    def _end(self, event: ir.StreamEnd) -> None:
        while self._queue:
            blk = self._queue.pop(0)
            blk.stopped = True
            self._close_block(blk)
        self._close_message()
        self._finished = True
        usage = _merge_usage(self._start_usage, event.usage)
        status, incomplete = _status_of(event.stop_reason)
        if status == "failed":
            error = {"code": "server_error", "message": "The model failed to generate a response."}
            self._emit(
                {"type": "response.failed", "response": self._response(status, usage=usage, error=error)}
            )
            return
        kind = "response.completed" if status == "completed" else "response.incomplete"
        self._emit({"type": kind, "response": self._response(status, usage=usage, incomplete=incomplete)})

    def _fail(self, error: ErrorInfo) -> None:
        if not self._started:
            self._begin("", 0, ir.Usage())
        self._finished = True
        self._emit(_error_event(error, 0))
        failed = {"code": _failed_code(error), "message": error.message}
        self._emit({"type": "response.failed", "response": self._response("failed", error=failed)})
