"""Upstream Responses SSE → canonical stream events. Output items become canonical blocks
(reasoning → thinking, function / custom calls → tool calls, each message content part → text);
deltas are forwarded as they come and the `.done` events fill in whatever was not streamed, so
an upstream that sends only whole items still yields complete blocks. A stream that ends
without a terminal event yields a StreamError.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.formats import ir
from app.formats.json_values import json_text, parse_or_none
from app.formats.openai_responses.errors import _stream_error_of
from app.formats.openai_responses.response import _stop_of
from app.formats.openai_responses.usage import _decode_usage
from app.formats.sse import DataStreamDecoder


@dataclass(slots=True)
class _DItem:
    kind: str  # "message" | "reasoning" | "function" | "custom" | "other"
    index: int | None = None  # the canonical block index (reasoning / calls)
    streamed: bool = False  # deltas seen (arguments / summary text)
    text_len: int = 0
    summary_parts: int = 0
    custom_input: list[str] = field(default_factory=list)


class ResponsesStreamDecoder(DataStreamDecoder):
    """Upstream Responses SSE → canonical events."""

    def __init__(self) -> None:
        super().__init__()
        self._started = False
        self._next = 0
        self._items: dict[int, _DItem] = {}
        self._texts: dict[tuple[int, int], list[int]] = {}  # (output, content) → [block, chars]
        self._open: list[int] = []

    # ---- plumbing

    def _block(self, kind: ir.BlockKind, out: list[ir.StreamEvent], **kw: Any) -> int:
        index = self._next
        self._next += 1
        self._open.append(index)
        out.append(ir.BlockStart(index=index, kind=kind, **kw))
        return index

    def _stop(self, index: int | None, out: list[ir.StreamEvent]) -> None:
        if index is not None and index in self._open:
            self._open.remove(index)
            out.append(ir.BlockStop(index))

    def _start(self, response: Any, out: list[ir.StreamEvent]) -> None:
        if self._started:
            return
        self._started = True
        resp = response if isinstance(response, Mapping) else {}
        created = resp.get("created_at")
        out.append(
            ir.StreamStart(
                id=str(resp.get("id") or ""),
                model=str(resp.get("model") or ""),
                created=int(created)
                if isinstance(created, int | float) and not isinstance(created, bool)
                else 0,
            )
        )

    def _event(self, data: str, out: list[ir.StreamEvent]) -> None:
        if self._finished:
            return
        payload = parse_or_none(data)
        if not isinstance(payload, Mapping):
            return
        kind = payload.get("type")
        if kind in ("response.created", "response.in_progress", "response.queued"):
            self._start(payload.get("response"), out)
            return
        if kind in ("response.completed", "response.incomplete"):
            self._start(payload.get("response"), out)
            self._finish(payload.get("response"), out)
            return
        if kind == "response.failed":
            response = payload.get("response")
            error = response.get("error") if isinstance(response, Mapping) else None
            error = error if isinstance(error, Mapping) else {}
            self._finished = True
            out.append(_stream_error_of(error.get("code"), error.get("message")))
            return
        if kind == "error":
            nested = payload.get("error")
            nested = nested if isinstance(nested, Mapping) else {}
            code = payload.get("code") or nested.get("code") or nested.get("type")
            message = payload.get("message") or nested.get("message")
            self._finished = True
            out.append(_stream_error_of(code, message))
            return
        if not self._started:
            self._start({}, out)
        oi = payload.get("output_index")
        if not isinstance(oi, int):
            return
        if kind == "response.output_item.added":
            self._item_added(oi, payload.get("item"), out)
        elif kind == "response.output_item.done":
            self._item_done(oi, payload.get("item"), out)
        elif kind == "response.content_part.added":
            self._text_block(oi, payload.get("content_index"), out)
        elif kind in ("response.output_text.delta", "response.refusal.delta"):
            self._text_delta(oi, payload.get("content_index"), payload.get("delta"), out)
        elif kind in ("response.output_text.done", "response.refusal.done"):
            full = payload.get("text") if kind == "response.output_text.done" else payload.get("refusal")
            self._text_done(oi, payload.get("content_index"), full, out)
        elif kind == "response.content_part.done":
            key = (oi, payload.get("content_index"))
            if isinstance(key[1], int) and key in self._texts:
                part = payload.get("part")
                if isinstance(part, Mapping):
                    self._text_done(oi, key[1], part.get("text", part.get("refusal")), out)
                self._stop(self._texts[(oi, key[1])][0], out)
        elif kind == "response.reasoning_summary_part.added":
            item = self._reasoning(oi, out)
            if item.summary_parts and item.text_len:
                out.append(ir.ThinkingDelta(item.index or 0, "\n\n"))
            item.summary_parts += 1
        elif kind in ("response.reasoning_summary_text.delta", "response.reasoning_text.delta"):
            item = self._reasoning(oi, out)
            delta = payload.get("delta")
            if isinstance(delta, str) and delta:
                item.streamed = True
                item.text_len += len(delta)
                out.append(ir.ThinkingDelta(item.index or 0, delta))
        elif kind == "response.function_call_arguments.delta":
            call = self._items.get(oi)
            delta = payload.get("delta")
            if call is not None and call.kind == "function" and isinstance(delta, str) and delta:
                call.streamed = True
                out.append(ir.ToolArgsDelta(call.index or 0, delta))
        elif kind == "response.function_call_arguments.done":
            call = self._items.get(oi)
            args = payload.get("arguments")
            if (
                call is not None
                and call.kind == "function"
                and not call.streamed
                and isinstance(args, str)
                and args
            ):
                call.streamed = True
                out.append(ir.ToolArgsDelta(call.index or 0, args))
        elif kind == "response.custom_tool_call_input.delta":
            call = self._items.get(oi)
            delta = payload.get("delta")
            if call is not None and call.kind == "custom" and isinstance(delta, str):
                call.custom_input.append(delta)
        elif kind == "response.custom_tool_call_input.done":
            call = self._items.get(oi)
            text = payload.get("input")
            if call is not None and call.kind == "custom" and isinstance(text, str):
                call.custom_input = [text]

    def _reasoning(self, oi: int, out: list[ir.StreamEvent]) -> _DItem:
        item = self._items.get(oi)
        if item is None or item.kind != "reasoning":
            item = _DItem("reasoning", self._block(ir.BlockKind.THINKING, out))
            self._items[oi] = item
        return item

    def _item_added(self, oi: int, raw: Any, out: list[ir.StreamEvent]) -> None:
        item = raw if isinstance(raw, Mapping) else {}
        kind = item.get("type")
        if kind == "reasoning":
            self._reasoning(oi, out)
        elif kind in ("function_call", "custom_tool_call"):
            index = self._block(
                ir.BlockKind.TOOL_CALL,
                out,
                tool_call_id=str(item.get("call_id") or ""),
                tool_name=str(item.get("name") or ""),
            )
            self._items[oi] = _DItem("function" if kind == "function_call" else "custom", index)
        elif kind == "message":
            self._items[oi] = _DItem("message")
        else:
            self._items[oi] = _DItem("other")

    def _text_block(self, oi: int, ci: Any, out: list[ir.StreamEvent]) -> list[int] | None:
        if not isinstance(ci, int):
            return None
        state = self._texts.get((oi, ci))
        if state is None:
            state = [self._block(ir.BlockKind.TEXT, out), 0]
            self._texts[(oi, ci)] = state
        return state

    def _text_delta(self, oi: int, ci: Any, delta: Any, out: list[ir.StreamEvent]) -> None:
        state = self._text_block(oi, ci, out)
        if state is not None and isinstance(delta, str) and delta:
            state[1] += len(delta)
            out.append(ir.TextDelta(state[0], delta))

    def _text_done(self, oi: int, ci: Any, full: Any, out: list[ir.StreamEvent]) -> None:
        state = self._text_block(oi, ci, out)
        if state is not None and isinstance(full, str) and len(full) > state[1]:
            out.append(ir.TextDelta(state[0], full[state[1] :]))
            state[1] = len(full)

    def _item_done(self, oi: int, raw: Any, out: list[ir.StreamEvent]) -> None:
        item = raw if isinstance(raw, Mapping) else {}
        kind = item.get("type")
        state = self._items.get(oi)
        if state is None:
            self._item_added(oi, item, out)
            state = self._items[oi]
        if kind == "message":
            for ci, part in enumerate(item.get("content") or ()):
                if isinstance(part, Mapping):
                    self._text_done(oi, ci, part.get("text", part.get("refusal")), out)
            for (o, _), (block, _) in sorted(self._texts.items()):
                if o == oi:
                    self._stop(block, out)
        elif kind == "reasoning":
            if not state.streamed:
                entries: list[Any] = []
                for key in ("summary", "content"):
                    value = item.get(key)
                    if isinstance(value, list):
                        entries.extend(value)
                texts = [
                    str(e["text"])
                    for e in entries
                    if isinstance(e, Mapping) and isinstance(e.get("text"), str)
                ]
                texts = [t for t in texts if t]
                if texts:
                    out.append(ir.ThinkingDelta(state.index or 0, "\n\n".join(texts)))
            encrypted = item.get("encrypted_content")
            rid = item.get("id")
            if isinstance(encrypted, str) or isinstance(rid, str):
                out.append(
                    ir.SignatureDelta(
                        state.index or 0,
                        encrypted=encrypted if isinstance(encrypted, str) else None,
                        reasoning_id=rid if isinstance(rid, str) else None,
                    )
                )
            self._stop(state.index, out)
        elif kind == "function_call":
            args = item.get("arguments")
            if not state.streamed and isinstance(args, str) and args:
                out.append(ir.ToolArgsDelta(state.index or 0, args))
            self._stop(state.index, out)
        elif kind == "custom_tool_call":
            text = item.get("input")
            if not isinstance(text, str):
                text = "".join(state.custom_input)
            out.append(ir.ToolArgsDelta(state.index or 0, json_text({"input": text})))
            self._stop(state.index, out)

    def _finish(self, response: Any, out: list[ir.StreamEvent]) -> None:
        resp = response if isinstance(response, Mapping) else {}
        for index in list(self._open):
            self._stop(index, out)
        output = resp.get("output")
        if not isinstance(output, list) or not output:
            output = [
                {"type": "function_call"}
                for item in self._items.values()
                if item.kind in ("function", "custom")
            ]
        self._finished = True
        out.append(
            ir.StreamEnd(
                stop_reason=_stop_of(resp.get("status"), resp.get("incomplete_details"), output),
                usage=_decode_usage(resp.get("usage")),
            )
        )
