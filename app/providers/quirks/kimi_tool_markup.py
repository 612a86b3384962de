"""Kimi's native tool-call markup leaked into text, turned back into real tool calls.

Kimi models (Moonshot, and Kimi served by other hosts) sometimes write their tool calls as text:

    <|tool_calls_section_begin|><|tool_call_begin|>functions.NAME:IDX<|tool_call_argument_begin|>{JSON}
    <|tool_call_end|><|tool_calls_section_end|>

`split_markup` parses one text, `fix_response` a whole response, and `MarkupStreamFilter` a stream:
it holds back text that may be the start of a section, emits the text before it, and turns a
completed section into tool-call blocks. Block indexes are renumbered so they stay dense and in
order of first appearance; once a call was produced, an END_TURN/STOP_SEQUENCE stop becomes TOOL_USE.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Final

from app.formats import ir

# Both spellings occur in the wild (vLLM's parser accepts both).
SECTION_BEGINS: Final = ("<|tool_calls_section_begin|>", "<|tool_call_section_begin|>")
SECTION_ENDS: Final = ("<|tool_calls_section_end|>", "<|tool_call_section_end|>")
CALL_BEGIN: Final = "<|tool_call_begin|>"
ARGUMENT_BEGIN: Final = "<|tool_call_argument_begin|>"
CALL_END: Final = "<|tool_call_end|>"

_CALL_RE: Final = re.compile(
    r"<\|tool_call_begin\|>\s*(?P<id>.+?)\s*<\|tool_call_argument_begin\|>\s*(?P<args>.*?)\s*"
    r"(?:<\|tool_call_end\|>|$)",
    re.DOTALL,
)
_UNSAFE_ID_CHARS: Final = re.compile(r"[^A-Za-z0-9_-]")
_KIMI_PROVIDERS: Final = frozenset({"moonshot", "kimi", "kimi-coding"})


def applies(provider_id: str, model: str) -> bool:
    """Whether a response from this provider/model should go through the parser."""
    return provider_id.lower() in _KIMI_PROVIDERS or "kimi" in model.lower()


def _find_first(text: str, tokens: tuple[str, ...]) -> tuple[int, int]:
    """(start, end) of the earliest of `tokens` in `text`, or (-1, -1)."""
    best = (-1, -1)
    for token in tokens:
        pos = text.find(token)
        if pos != -1 and (best[0] == -1 or pos < best[0]):
            best = (pos, pos + len(token))
    return best


def _held_prefix_len(text: str, tokens: tuple[str, ...]) -> int:
    """Length of the longest suffix of `text` that is a proper prefix of one of `tokens`."""
    longest = 0
    for token in tokens:
        for n in range(min(len(token) - 1, len(text)), longest, -1):
            if text.endswith(token[:n]):
                longest = n
                break
    return longest


def _tool_call(raw_id: str, arguments: str) -> ir.ToolCallPart:
    """`functions.NAME:IDX` → a ToolCallPart whose id is safe for every client format
    (Anthropic ids must match ^[A-Za-z0-9_-]+$); the raw id is kept in extras."""
    head = raw_id.removeprefix("functions.")
    name = head.rsplit(":", 1)[0] if ":" in head else head
    return ir.ToolCallPart(
        id="call_" + _UNSAFE_ID_CHARS.sub("_", raw_id),
        name=name,
        arguments=arguments or "{}",
        extras={"kimi": {"native_id": raw_id}},
    )


def parse_section(body: str) -> list[ir.ToolCallPart]:
    """The calls of one section (the text between its begin and end tokens)."""
    return [_tool_call(m["id"], m["args"]) for m in _CALL_RE.finditer(body)]


def split_markup(text: str) -> list[str | ir.ToolCallPart]:
    """`text` as text segments and tool calls, in order. Whitespace-only segments are dropped,
    so is an unterminated section that holds no call (its text is kept instead). A text without
    markup comes back as it is."""
    if _find_first(text, SECTION_BEGINS)[0] == -1:
        return [text] if text else []
    out: list[str | ir.ToolCallPart] = []
    rest = text
    while True:
        start, after = _find_first(rest, SECTION_BEGINS)
        if start == -1:
            if rest.strip():
                out.append(rest)
            return out
        end, end_after = _find_first(rest[after:], SECTION_ENDS)
        calls = parse_section(rest[after:] if end == -1 else rest[after : after + end])
        if end == -1 and not calls:
            # An unterminated section with no call in it stays text.
            out.append(rest if rest[:start].strip() else rest[start:])
            return out
        if rest[:start].strip():
            out.append(rest[:start])
        out.extend(calls)
        if end == -1:
            return out
        rest = rest[after + end_after :]


def _tool_stop(stop: ir.StopReason) -> ir.StopReason:
    if stop in (ir.StopReason.END_TURN, ir.StopReason.STOP_SEQUENCE):
        return ir.StopReason.TOOL_USE
    return stop


def fix_response(response: ir.Response) -> ir.Response:
    """The response with leaked markup in its text parts replaced by tool calls (unchanged when none)."""
    if not any(
        isinstance(p, ir.TextPart) and _find_first(p.text, SECTION_BEGINS)[0] != -1 for p in response.content
    ):
        return response
    content: list[ir.Part] = []
    found = False
    for part in response.content:
        if not isinstance(part, ir.TextPart) or _find_first(part.text, SECTION_BEGINS)[0] == -1:
            content.append(part)
            continue
        for segment in split_markup(part.text):
            if isinstance(segment, str):
                content.append(replace(part, text=segment))
            else:
                content.append(segment)
                found = True
    if not found:
        return replace(response, content=tuple(content))
    stop = _tool_stop(response.stop_reason)
    return replace(
        response,
        content=tuple(content),
        stop_reason=stop,
        stop_sequence=None if stop is ir.StopReason.TOOL_USE else response.stop_sequence,
    )


class _TextState:
    """One upstream text block being filtered."""

    __slots__ = ("begin_token", "buffer", "in_section", "out_index", "saw_section")

    def __init__(self) -> None:
        self.buffer = ""  # text not emitted yet (held-back prefix, whitespace, or an open section)
        self.in_section = False
        self.out_index: int | None = None  # the output text block currently open
        self.saw_section = False
        self.begin_token = ""  # the opener of the current section, to give it back if it holds no call


class MarkupStreamFilter:
    """Canonical events in, canonical events out, with leaked markup turned into tool-call blocks.
    Stateful: one per response. Feed every event; call `close()` if the stream ends without
    StreamEnd/StreamError."""

    def __init__(self) -> None:
        self._next_index = 0
        self._map: dict[int, int] = {}  # upstream index → output index, for blocks passed through
        self._texts: dict[int, _TextState] = {}  # upstream text blocks
        self._calls = 0

    @property
    def tool_calls_found(self) -> int:
        return self._calls

    def _new_index(self) -> int:
        index = self._next_index
        self._next_index += 1
        return index

    def feed(self, event: ir.StreamEvent) -> list[ir.StreamEvent]:
        match event:
            case ir.BlockStart(kind=ir.BlockKind.TEXT):
                self._texts[event.index] = _TextState()
                return []
            case ir.TextDelta() if event.index not in self._map:
                # A text delta with no BlockStart seen is filtered as if its block had started.
                state = self._texts.setdefault(event.index, _TextState())
                state.buffer += event.text
                return self._drain(state)
            case ir.BlockStop() if event.index in self._texts:
                return self._finish(self._texts.pop(event.index))
            case ir.BlockStart():
                out = self._new_index()
                self._map[event.index] = out
                return [replace(event, index=out)]
            case ir.TextDelta() | ir.ThinkingDelta() | ir.SignatureDelta() | ir.ToolArgsDelta():
                return [replace(event, index=self._map.get(event.index, event.index))]
            case ir.BlockStop():
                return [ir.BlockStop(self._map.pop(event.index, event.index))]
            case ir.StreamEnd():
                events = self.close()
                if self._calls:
                    stop = _tool_stop(event.stop_reason)
                    if stop is not event.stop_reason:
                        event = replace(event, stop_reason=stop, stop_sequence=None)
                events.append(event)
                return events
            case ir.StreamError():
                events = self.close()
                events.append(event)
                return events
            case _:
                return [event]

    def close(self) -> list[ir.StreamEvent]:
        """Flush and close every text block still open."""
        events: list[ir.StreamEvent] = []
        for index in list(self._texts):
            events.extend(self._finish(self._texts.pop(index)))
        return events

    # --- text handling

    def _emit_text(self, state: _TextState, text: str, events: list[ir.StreamEvent]) -> None:
        if not text:
            return
        if state.out_index is None:
            state.out_index = self._new_index()
            events.append(ir.BlockStart(state.out_index, ir.BlockKind.TEXT))
        events.append(ir.TextDelta(state.out_index, text))

    def _close_text(self, state: _TextState, events: list[ir.StreamEvent]) -> None:
        if state.out_index is not None:
            events.append(ir.BlockStop(state.out_index))
            state.out_index = None

    def _emit_calls(
        self, state: _TextState, calls: list[ir.ToolCallPart], events: list[ir.StreamEvent]
    ) -> None:
        self._close_text(state, events)
        for call in calls:
            index = self._new_index()
            events.append(
                ir.BlockStart(index, ir.BlockKind.TOOL_CALL, tool_call_id=call.id, tool_name=call.name)
            )
            events.append(ir.ToolArgsDelta(index, call.arguments))
            events.append(ir.BlockStop(index))
            self._calls += 1

    def _drain(self, state: _TextState) -> list[ir.StreamEvent]:
        events: list[ir.StreamEvent] = []
        while True:
            if state.in_section:
                end, end_after = _find_first(state.buffer, SECTION_ENDS)
                if end == -1:
                    return events
                self._emit_calls(state, parse_section(state.buffer[:end]), events)
                state.buffer = state.buffer[end_after:]
                state.in_section = False
                continue
            start, after = _find_first(state.buffer, SECTION_BEGINS)
            if start != -1:
                self._emit_plain(state, state.buffer[:start], events)
                state.begin_token = state.buffer[start:after]
                state.buffer = state.buffer[after:]
                state.in_section = True
                state.saw_section = True
                continue
            keep = _held_prefix_len(state.buffer, SECTION_BEGINS)
            ready = state.buffer[: len(state.buffer) - keep]
            if ready.strip() or state.out_index is not None:
                self._emit_plain(state, ready, events)
                state.buffer = state.buffer[len(ready) :]
            # else: whitespace only and no text block open: hold it until something follows.
            return events

    def _emit_plain(self, state: _TextState, text: str, events: list[ir.StreamEvent]) -> None:
        """Text outside markup; whitespace-only text never opens a block on its own."""
        if state.out_index is None and not text.strip():
            return
        self._emit_text(state, text, events)

    def _finish(self, state: _TextState) -> list[ir.StreamEvent]:
        events: list[ir.StreamEvent] = []
        if state.in_section:
            calls = parse_section(state.buffer)
            if calls:
                self._emit_calls(state, calls, events)
            else:
                self._emit_text(state, state.begin_token + state.buffer, events)
        elif state.buffer.strip() or state.out_index is not None or not state.saw_section:
            self._emit_text(state, state.buffer, events)
        state.buffer = ""
        self._close_text(state, events)
        return events
