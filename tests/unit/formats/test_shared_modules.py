"""The pieces the four format adapters share (app/formats/*.py beside the packages)."""

from __future__ import annotations

import re

import pytest

from app.core.errors import InvalidRequest
from app.formats import ir
from app.formats.cache_marks import cache_mark_json, read_cache_mark
from app.formats.data_urls import DataUrl, data_url, parse_data_url, source_from_file_data, source_from_url
from app.formats.error_kinds import kind_for_status
from app.formats.json_fields import FieldReader
from app.formats.json_values import count, json_text, parse_or_none
from app.formats.sse import ENDED_EARLY, DataStreamDecoder, encode_json_event
from app.formats.stream_windows import find_object
from app.formats.tool_arguments import arguments_object
from app.formats.tool_names import openai_tool_name, safe_name

READER = FieldReader("{path}: expected {expected}, got {got}")


def test_field_reader_words_the_error_and_names_the_field() -> None:
    assert READER.mapping({"a": 1}, "x") == {"a": 1}
    with pytest.raises(InvalidRequest) as caught:
        READER.array("no", "messages[0].content")
    assert caught.value.message == "messages[0].content: expected an array, got a string"
    assert caught.value.param == "messages[0].content"
    assert READER.opt_string(None, "x") is None
    with pytest.raises(InvalidRequest, match="expected a boolean, got a number"):
        READER.opt_bool(1, "stream")
    with pytest.raises(InvalidRequest, match="expected a number, got a boolean"):
        READER.opt_number(True, "temperature")


def test_whole_floats_are_integers_only_where_the_format_says_so() -> None:
    assert FieldReader("{path}", whole_floats=True).opt_int(3.0, "n") == 3
    with pytest.raises(InvalidRequest):
        FieldReader("{path}", whole_floats=True).opt_int(3.5, "n")
    with pytest.raises(InvalidRequest):
        READER.opt_int(3.0, "n")
    with pytest.raises(InvalidRequest):
        READER.opt_int(True, "n")
    assert READER.opt_int(7, "n") == 7


def test_lenient_json_values() -> None:
    assert parse_or_none(b'{"a":1}') == {"a": 1}
    assert parse_or_none(b"<html>") is None
    assert json_text({"a": [1, "x"]}) == '{"a":[1,"x"]}'
    assert [count(v) for v in (5, 5.0, 5.5, True, "5", None)] == [5, 5, 0, 0, 0, 0]


def test_cache_marks_both_ways() -> None:
    assert read_cache_mark(None, "p", READER) is None
    assert read_cache_mark({"type": "ephemeral", "ttl": "1h"}, "p", READER) == ir.CacheControl(ttl="1h")
    assert read_cache_mark({}, "p", READER) == ir.CacheControl()
    with pytest.raises(InvalidRequest, match=r"p\.ttl: expected a string"):
        read_cache_mark({"ttl": 5}, "p", READER)
    assert cache_mark_json(ir.CacheControl()) == {"type": "ephemeral"}
    assert cache_mark_json(ir.CacheControl(ttl="5m")) == {"type": "ephemeral", "ttl": "5m"}


@pytest.mark.parametrize(
    ("url", "parsed"),
    [
        ("data:image/png;base64,iVBOR", DataUrl("image/png", (), "iVBOR")),
        ("data:image/png;name=a.png;base64,iVBOR", DataUrl("image/png", ("name=a.png",), "iVBOR")),
        ("data:;base64,AAAA", DataUrl(None, (), "AAAA")),
        ("data:text/plain;base64,a,b", DataUrl("text/plain", (), "a,b")),
        ("data:text/plain,hello", None),
        ("data:image/png;base64", None),
        ("https://example.com/a.png", None),
    ],
)
def test_parse_data_url(url: str, parsed: DataUrl | None) -> None:
    assert parse_data_url(url) == parsed


def test_media_sources_from_urls_and_back() -> None:
    source = source_from_url("data:image/png;name=a;base64,iVBOR")
    assert source == ir.MediaSource("base64", media_type="image/png", data="iVBOR")
    assert data_url(source) == "data:image/png;base64,iVBOR"
    assert source_from_url("https://x/a.png") == ir.MediaSource("url", url="https://x/a.png")
    assert source_from_file_data("JVBERi0") == ir.MediaSource("base64", data="JVBERi0")
    assert data_url(ir.MediaSource("base64", data="AAAA")) == "data:application/octet-stream;base64,AAAA"


def test_arguments_object_drops_what_is_no_object() -> None:
    drops: list[ir.Drop] = []
    assert arguments_object('{"a": 1}', "p", drops) == {"a": 1}
    assert arguments_object("  ", "p", drops) == {}
    assert drops == []
    assert arguments_object("[1]", "p", drops) == {}
    assert arguments_object("{", "q", drops) == {}
    assert [d.field for d in drops] == ["p", "q"]


def test_tool_names() -> None:
    assert openai_tool_name("get_weather") == "get_weather"
    assert openai_tool_name("mcp.server:tool") == "mcp_server_tool"
    assert openai_tool_name("") == "tool"
    long_a, long_b = openai_tool_name("a" * 70 + "x"), openai_tool_name("a" * 70 + "y")
    assert len(long_a) == 64 and long_a != long_b and long_a == openai_tool_name("a" * 70 + "x")
    assert long_a.startswith("a" * 55 + "_")
    lower = re.compile(r"[^a-z0-9_]")
    assert safe_name("9lives", invalid=lower, max_length=10, letter_first=True) == "_9lives"
    assert safe_name("Ok", invalid=lower, max_length=10, letter_first=True, empty="_") == "_k"
    assert safe_name("", invalid=lower, max_length=10, empty="_") == "_"


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, "invalid_request_error"),
        (402, "invalid_request_error"),
        (422, "invalid_request_error"),
        (429, "rate_limit_error"),
        (500, "api_error"),
        (502, "api_error"),
        (503, "overloaded_error"),
        (504, "api_error"),
        (529, "overloaded_error"),
    ],
)
def test_canonical_kind_for_status(status: int, kind: str) -> None:
    assert kind_for_status(status) == kind


def test_kind_for_status_overrides() -> None:
    assert kind_for_status(504, {504: "timeout_error"}) == "timeout_error"
    assert kind_for_status(503, {504: "timeout_error"}) == "overloaded_error"


def test_find_object_skips_keys_inside_strings_and_cut_objects() -> None:
    window = (
        b'e":1}}\n\ndata: {"usage":{"a":1}}\n\n'
        b'data: {"text":"say \\"usage\\": {\\"a\\": 9}","usage":null}\n\n'
        b'data: {"usage": {"a": 2, "s": "}{"}}\n\n'
        b'data: {"usage":{"a":3'
    )
    assert find_object(window, "usage") == {"a": 2, "s": "}{"}
    assert find_object(window, "usage", last=False) == {"a": 1}
    assert find_object(b"nothing here", "usage") is None


class _Lines(DataStreamDecoder):
    def _event(self, data: str, out: list[ir.StreamEvent]) -> None:
        if data == "end":
            self._finished = True
            out.append(ir.StreamEnd(ir.StopReason.END_TURN))
        else:
            out.append(ir.TextDelta(0, data))


def test_data_stream_decoder_plumbing() -> None:
    decoder = _Lines()
    assert decoder.feed(b"data: a\n\ndata: b") == [ir.TextDelta(0, "a")]
    assert decoder.close() == [ir.TextDelta(0, "b"), ENDED_EARLY]
    finished = _Lines()
    assert finished.feed(b"data: end\n\n") == [ir.StreamEnd(ir.StopReason.END_TURN)]
    assert finished.close() == []


def test_encode_json_event() -> None:
    assert encode_json_event({"a": 1}) == b'data: {"a":1}\n\n'
    assert encode_json_event({"type": "ping"}, "ping") == b'event: ping\ndata: {"type":"ping"}\n\n'
