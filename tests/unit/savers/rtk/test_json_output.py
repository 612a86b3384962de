from __future__ import annotations

import orjson

from app.savers.rtk import json_output


def test_pretty_json_is_minified_with_the_same_content() -> None:
    value = {"name": "webapp", "nested": {"b": [1, 2.5, None, True], "a": "x"}}
    out = json_output.compress(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode())
    assert orjson.loads(out) == value
    assert out == '{"name":"webapp","nested":{"b":[1,2.5,null,true],"a":"x"}}'  # key order kept


def test_long_arrays_and_strings_are_cut_with_counts() -> None:
    value = {"items": list(range(50)), "blob": "y" * 3000}
    out = orjson.loads(json_output.compress(orjson.dumps(value).decode()))
    assert out["items"] == [*range(10), "… 40 more items"]
    assert out["blob"] == "y" * 1000 + "… (+2000 chars)"


def test_not_json_is_returned_as_is() -> None:
    assert json_output.compress("{not json") == "{not json"


def test_nesting_beyond_the_recursion_limit_is_returned_as_is() -> None:
    text = "[" * 1020 + "]" * 1020  # orjson reads it; walking it would pass Python's recursion limit
    assert orjson.loads(text) is not None
    assert json_output.compress(text) is text
