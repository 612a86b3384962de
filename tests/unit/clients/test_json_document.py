"""In-place JSON edits: only the bytes of the keys we own change."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.clients.document import MISSING, Items
from app.clients.errors import ConfigFileBroken
from app.clients.json_document import JsonDocument

P = Path("settings.json")
STRICT = JsonDocument()
JSONC = JsonDocument(comments=True)


def test_replacing_a_value_touches_nothing_else() -> None:
    text = '{\n\t"a" :  1,   "env":{"X":"old"} ,\n\t"z": [1,2]\n}'
    out = STRICT.render(P, text, {("env", "X"): "new"})
    assert out == text.replace('"old"', '"new"')


def test_new_member_is_indented_like_its_siblings() -> None:
    text = '{\n    "a": 1,\n    "env": {\n        "X": "1"\n    }\n}\n'
    out = STRICT.render(P, text, {("env", "Y"): "2"})
    assert out == '{\n    "a": 1,\n    "env": {\n        "X": "1",\n        "Y": "2"\n    }\n}\n'


def test_missing_parents_are_created() -> None:
    out = STRICT.render(P, '{"a": 1}\n', {("security", "auth", "type"): "key"})
    assert orjson.loads(out) == {"a": 1, "security": {"auth": {"type": "key"}}}
    assert out.startswith('{"a": 1, "security"'), "a one-line object stays on one line"


def test_empty_object_and_no_file() -> None:
    assert STRICT.render(P, "{}", {("k",): "v"}) == '{\n  "k": "v"\n}'
    assert STRICT.render(P, "", {("env", "k"): "v"}) == '{\n  "env": {\n    "k": "v"\n  }\n}\n'
    assert STRICT.render(P, "", {("k",): MISSING}) == "", "nothing to remove: no file is made"


def test_deleting_then_adding_back_restores_the_text() -> None:
    text = '{\n  "a": 1,\n  "b": {"c": 2},\n  "d": 3\n}\n'
    for key, value in ((("a",), 1), (("d",), 3)):
        cut = STRICT.render(P, text, {key: MISSING})
        assert orjson.loads(cut) == {k: v for k, v in orjson.loads(text).items() if k != key[0]}
        assert orjson.loads(STRICT.render(P, cut, {key: value})) == orjson.loads(text)
    assert STRICT.render(P, STRICT.render(P, text, {("d",): MISSING}), {("d",): 3}) == text


def test_deleting_the_only_member() -> None:
    assert STRICT.render(P, '{"only": 1}', {("only",): MISSING}) == "{}"
    assert STRICT.render(P, '{\n  "only": 1\n}\n', {("only",): MISSING}) == "{}\n"


def test_crlf_and_byte_order_mark_are_kept() -> None:
    text = '\ufeff{\r\n  "a": 1\r\n}\r\n'
    out = STRICT.render(P, text, {("b",): 2})
    assert out == '\ufeff{\r\n  "a": 1,\r\n  "b": 2\r\n}\r\n'
    assert STRICT.read(P, out, (("b",),)) == {("b",): 2}


def test_comments_and_trailing_commas_survive_in_jsonc() -> None:
    text = '{\n  // mine\n  "p": {\n    "x": 1, // theirs\n  },\n  "t": "d" // keep\n}\n'
    out = JSONC.render(P, text, {("p", "ours"): {"u": 1}, ("m",): "v"})
    assert "// mine" in out and "// theirs" in out and "// keep" in out
    assert JSONC.render(P, out, {("p", "ours"): MISSING, ("m",): MISSING}) == text


def test_the_last_duplicate_key_is_the_one_edited() -> None:
    out = STRICT.render(P, '{"a": 1, "a": 2}', {("a",): 3})
    assert out == '{"a": 1, "a": 3}'


def test_a_non_object_in_the_way_is_replaced() -> None:
    assert orjson.loads(STRICT.render(P, '{"env": "x"}', {("env", "K"): "v"})) == {"env": {"K": "v"}}


@pytest.mark.parametrize(
    ("doc", "text", "line", "column"),
    [
        (STRICT, '{\n  "a": 1\n  "b": 2\n}', 3, 3),
        (STRICT, '{"a": 1,}', 1, 8),
        (STRICT, '{\n  // comment\n  "a": 1\n}', 2, 3),
        (JSONC, '{\n  "a": [1,,]\n}', 2, 10),
        (JSONC, '{"a": ', 1, 7),
    ],
)
def test_broken_files_say_where(doc: JsonDocument, text: str, line: int, column: int) -> None:
    with pytest.raises(ConfigFileBroken) as caught:
        doc.render(P, text, {("x",): 1})
    assert (caught.value.line, caught.value.column) == (line, column), str(caught.value)
    assert "settings.json" in str(caught.value) and "left untouched" in str(caught.value)


@pytest.mark.parametrize("text", ["[]", '"x"', "3"])
def test_a_top_level_that_is_not_an_object_is_refused(text: str) -> None:
    with pytest.raises(ConfigFileBroken, match="not a JSON object"):
        STRICT.render(P, text, {("x",): 1})


def test_list_items_we_own_are_replaced_and_the_users_kept() -> None:
    key = ("models", Items("name", "VR"))
    text = '{\n  "models": [\n    {"name": "theirs"},\n    {"name": "VR: old"}\n  ]\n}\n'
    out = JSONC.render(P, text, {key: [{"name": "VR: a"}, {"name": "VR: b"}]})
    assert orjson.loads(out)["models"] == [{"name": "theirs"}, {"name": "VR: a"}, {"name": "VR: b"}]
    assert JSONC.read(P, out, (key,)) == {key: [{"name": "VR: a"}, {"name": "VR: b"}]}
    back = JSONC.render(P, out, {key: [{"name": "VR: old"}]})
    assert orjson.loads(back) == orjson.loads(text)
    assert orjson.loads(JSONC.render(P, out, {key: MISSING}))["models"] == [{"name": "theirs"}]


_keys = st.text(alphabet="abcdefXYZ_", min_size=1, max_size=6)
_values = st.one_of(st.integers(-(2**53), 2**53), st.text(max_size=8), st.booleans(), st.none())


@given(
    original=st.dictionaries(
        _keys, st.one_of(_values, st.dictionaries(_keys, _values, max_size=3)), max_size=5
    ),
    indent=st.sampled_from([None, orjson.OPT_INDENT_2]),
    edits=st.dictionaries(st.tuples(_keys, _keys), st.one_of(_values, st.just(MISSING)), max_size=4),
)
def test_edits_change_exactly_the_assigned_keys(original: dict, indent: int | None, edits: dict) -> None:
    text = orjson.dumps(original, option=indent or 0).decode()
    out = STRICT.render(P, text, edits)
    expected = orjson.loads(text)
    for (outer, inner), value in edits.items():
        parent = expected.get(outer)
        if value is MISSING:
            if isinstance(parent, dict):
                parent.pop(inner, None)
            continue
        if not isinstance(parent, dict):
            parent = expected[outer] = {}
        parent[inner] = value
    assert orjson.loads(out) == expected
