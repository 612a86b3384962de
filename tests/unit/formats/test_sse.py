"""app.formats.sse: the incremental event-stream parser survives any chunking, and encode_event frames."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.formats.sse import SSEEvent, SSEParser, encode_event


def parse(*chunks: bytes) -> list[SSEEvent]:
    parser = SSEParser()
    events: list[SSEEvent] = []
    for chunk in chunks:
        events.extend(parser.feed(chunk))
    events.extend(parser.close())
    return events


def parse_bytewise(raw: bytes) -> list[SSEEvent]:
    return parse(*(raw[i : i + 1] for i in range(len(raw))))


CASES: list[tuple[str, bytes, list[SSEEvent]]] = [
    ("one data line", b"data: hello\n\n", [SSEEvent("hello")]),
    ("no space after colon", b"data:hello\n\n", [SSEEvent("hello")]),
    ("only one leading space is removed", b"data:  two\n\n", [SSEEvent(" two")]),
    ("event name", b"event: ping\ndata: {}\n\n", [SSEEvent("{}", event="ping")]),
    ("multi-line data joins with LF", b"data: a\ndata: b\ndata: c\n\n", [SSEEvent("a\nb\nc")]),
    ("comment lines are skipped", b": keep-alive\ndata: x\n: more\n\n", [SSEEvent("x")]),
    ("a comment alone is no event", b": OPENROUTER PROCESSING\n\n", []),
    ("CRLF line ends", b"event: e\r\ndata: x\r\n\r\n", [SSEEvent("x", event="e")]),
    ("CR line ends", b"data: x\rdata: y\r\r", [SSEEvent("x\ny")]),
    ("mixed line ends", b"data: a\r\ndata: b\rdata: c\n\n", [SSEEvent("a\nb\nc")]),
    ("unknown fields are ignored", b"retry: 100\nfoo: bar\ndata: x\n\n", [SSEEvent("x")]),
    ("a field without colon is a field with an empty value", b"data\ndata: x\n\n", [SSEEvent("\nx")]),
    ("blank lines between events", b"\n\ndata: a\n\n\n\ndata: b\n\n", [SSEEvent("a"), SSEEvent("b")]),
    (
        "the event name resets after each event",
        b"event: one\ndata: 1\n\ndata: 2\n\n",
        [SSEEvent("1", event="one"), SSEEvent("2")],
    ),
    ("an event name without data dispatches nothing", b"event: lonely\n\ndata: x\n\n", [SSEEvent("x")]),
    (
        "the last event id persists",
        b"id: 7\ndata: a\n\ndata: b\n\n",
        [SSEEvent("a", id="7"), SSEEvent("b", id="7")],
    ),
    ("colons inside the value are kept", b'data: {"a":"b:c"}\n\n', [SSEEvent('{"a":"b:c"}')]),
    ("UTF-8", "data: 18°C ☁️ 天气\n\n".encode(), [SSEEvent("18°C ☁️ 天气")]),
    ("invalid UTF-8 is replaced, not fatal", b"data: \xff\xfe ok\n\n", [SSEEvent("\ufffd\ufffd ok")]),
    (
        "OpenAI chat stream",
        b'data: {"choices":[]}\n\ndata: [DONE]\n\n',
        [SSEEvent('{"choices":[]}'), SSEEvent("[DONE]")],
    ),
]


@pytest.mark.parametrize(("raw", "expected"), [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_table(raw: bytes, expected: list[SSEEvent]) -> None:
    assert parse(raw) == expected
    assert parse_bytewise(raw) == expected


def test_events_come_out_as_soon_as_their_blank_line_arrives() -> None:
    parser = SSEParser()
    assert parser.feed(b"data: a\n") == []
    assert parser.feed(b"\n") == [SSEEvent("a")]
    assert parser.feed(b"data: b") == []
    assert parser.feed(b"\n\ndata: c\n\n") == [SSEEvent("b"), SSEEvent("c")]
    assert parser.feed(b"") == []
    assert parser.close() == []


def test_crlf_split_between_chunks_is_one_line_end() -> None:
    # "\r" ends one chunk and "\n" starts the next: one line end, not an empty line in between.
    assert parse(b"data: a\r", b"\ndata: b\r\n\r\n") == [SSEEvent("a\nb")]
    assert parse(b"data: a\r", b"\n", b"\r", b"\n") == [SSEEvent("a")]
    # A lone CR at a chunk end followed by another CR is two line ends: the event ends.
    assert parse(b"data: a\r", b"\rdata: b\r\r") == [SSEEvent("a"), SSEEvent("b")]


def test_multibyte_character_split_across_chunks() -> None:
    raw = "data: é☁️😀\n\n".encode()
    for cut in range(1, len(raw)):
        assert parse(raw[:cut], raw[cut:]) == [SSEEvent("é☁️😀")], cut


def test_close_flushes_a_final_event_without_blank_line() -> None:
    assert parse(b"data: last\n") == [SSEEvent("last")]
    assert parse(b"data: last") == [SSEEvent("last")]
    assert parse(b"event: e\ndata: a\ndata: b") == [SSEEvent("a\nb", event="e")]
    assert parse(b"data: last\r") == [SSEEvent("last")]
    assert parse(b"") == []
    assert parse(b": only a comment") == []


def test_close_is_idempotent() -> None:
    parser = SSEParser()
    parser.feed(b"data: x")
    assert parser.close() == [SSEEvent("x")]
    assert parser.close() == []


def test_encode_event() -> None:
    assert encode_event(b'{"a":1}') == b'data: {"a":1}\n\n'
    assert encode_event(b"{}", "message_start") == b"event: message_start\ndata: {}\n\n"
    framed = encode_event(b'{"x":"y"}', "delta") + encode_event(b"[DONE]")
    assert parse(framed) == [SSEEvent('{"x":"y"}', event="delta"), SSEEvent("[DONE]")]


def test_an_empty_data_line_is_an_event_with_empty_data() -> None:
    # WHATWG: `data:` appends "" plus LF, so the buffer is not empty and the event is dispatched.
    assert parse(b"data:\n\n") == [SSEEvent("")]
    assert parse(b"event: x\n\n") == []  # no data line at all: nothing to dispatch


def test_leading_bom_is_skipped() -> None:
    assert parse(b"\xef\xbb\xbfdata: x\n\n") == [SSEEvent("x")]


# --- any chunking of any stream gives the same events ---------------------------------------------

_line_text = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\r\n"), max_size=12
)
_name = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_.", min_size=1, max_size=8)
_event = st.tuples(
    st.one_of(st.none(), _name),  # event name
    st.one_of(st.none(), st.text(alphabet="0123456789abc", min_size=1, max_size=4)),  # id
    st.lists(_line_text, min_size=1, max_size=3),  # data lines
    st.lists(_line_text, max_size=2),  # comments
)
_eol = st.sampled_from([b"\n", b"\r\n", b"\r"])


@st.composite
def streams(draw: st.DrawFn) -> tuple[bytes, list[SSEEvent]]:
    events = draw(st.lists(_event, max_size=6))
    raw = b""
    expected: list[SSEEvent] = []
    last_id: str | None = None
    for name, event_id, lines, comments in events:
        fields: list[bytes] = [b":" + c.encode() for c in comments]
        if name is not None:
            fields.append(b"event: " + name.encode())
        if event_id is not None:
            fields.append(b"id: " + event_id.encode())
            last_id = event_id
        fields.extend(b"data: " + line.encode() for line in lines)
        for field in fields:
            raw += field + draw(_eol)
        blank = draw(_eol)
        if raw.endswith(b"\r") and blank.startswith(b"\n"):
            blank = b"\r"  # a CR then a LF would be one CRLF line end, not an empty line
        raw += blank
        expected.append(SSEEvent("\n".join(lines), name, last_id))
    return raw, expected


@given(stream=streams(), data=st.data())
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_any_chunking_yields_the_same_events(
    stream: tuple[bytes, list[SSEEvent]], data: st.DataObject
) -> None:
    raw, expected = stream
    cuts = sorted(data.draw(st.sets(st.integers(min_value=0, max_value=len(raw)), max_size=12)))
    pieces = [raw[a:b] for a, b in zip([0, *cuts], [*cuts, len(raw)], strict=True)]
    assert parse(raw) == expected
    assert parse(*pieces) == expected


@given(raw=st.binary(max_size=200), data=st.data())
@settings(max_examples=300)
def test_garbage_never_raises_and_chunking_never_matters(raw: bytes, data: st.DataObject) -> None:
    cuts = sorted(data.draw(st.sets(st.integers(min_value=0, max_value=len(raw)), max_size=8)))
    pieces = [raw[a:b] for a, b in zip([0, *cuts], [*cuts, len(raw)], strict=True)]
    assert parse(*pieces) == parse(raw)
