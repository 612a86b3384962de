"""JSON (and JSON with comments) edited in place: only the bytes of the keys we own change.

json-five's model loader gives every key and value with its source offsets; an edit splices new text
into exactly that span (or inserts one member before the closing brace, indented like its siblings,
or cuts one member with its comma), so the user's formatting, key order, comments and every other
value stay exactly as written. Strict files (Claude Code reads its settings with JSON.parse) are
validated with orjson first, so what we accept is what the tool accepts.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import json5
import orjson
from json5.loader import ModelLoader
from json5.model import JSONArray, JSONObject
from json5.utils import JSON5DecodeError

from app.clients.document import MISSING, Assignments, Items, KeyPath
from app.clients.errors import ConfigFileBroken

_BOM = "\ufeff"


class JsonDocument:
    def __init__(self, *, comments: bool = False) -> None:
        # comments=True: the tool reads JSONC (comments, trailing commas); otherwise plain JSON.
        self.comments = comments

    # --- the Document protocol ----------------------------------------------------------------------

    def check(self, path: Path, text: str) -> None:
        self._object(path, text)

    def read(self, path: Path, text: str, keys: tuple[KeyPath, ...]) -> dict[KeyPath, Any]:
        body = text.removeprefix(_BOM)
        data = self._values(path, body) if body.strip() else {}
        out: dict[KeyPath, Any] = {}
        for key in keys:
            node: Any = data
            for part in key:
                if isinstance(part, Items):
                    node = [item for item in node if part.owns(item)] if isinstance(node, list) else []
                    break
                node = node[part] if isinstance(node, dict) and part in node else MISSING
                if node is MISSING:
                    break
            out[key] = node
        return out

    def render(self, path: Path, text: str, assignments: Assignments) -> str:
        bom = _BOM if text.startswith(_BOM) else ""
        body = text.removeprefix(_BOM)
        if not body.strip():
            if all(v is MISSING for v in assignments.values()):
                return text
            body = "{}\n"
        newline = "\r\n" if "\r\n" in body else "\n"
        for key, value in assignments.items():
            if key and isinstance(key[-1], Items):
                body = self._set_items(path, body, key, value, newline)
                continue
            root = self._object(path, body)
            assert root is not None
            body = _set(body, root, key, value, _unit(body, root), newline)
        self._object(path, body)  # our own output must parse; never write what the tool cannot read
        return bom + body

    def _set_items(self, path: Path, body: str, key: KeyPath, value: Any, newline: str) -> str:
        """Our elements of a shared list: the old ones cut, the new ones appended after the user's."""
        match = key[-1]
        assert isinstance(match, Items)
        parent = key[:-1]
        while True:  # one element at a time: every cut moves the offsets of the rest
            root = self._object(path, body)
            assert root is not None
            array = _find(root, parent)
            if not isinstance(array, JSONArray):
                break
            plain = json5.loads(body[_start(array) : _end(array)])
            mine = [i for i, item in enumerate(plain) if match.owns(item)]
            if not mine:
                break
            body = _delete(body, array, None, mine[0])
        wanted = [] if value is MISSING else list(value)
        for item in wanted:
            root = self._object(path, body)
            assert root is not None
            array = _find(root, parent)
            if isinstance(array, JSONArray):
                body = _append(body, array, "", item, _unit(body, root), newline)
            else:
                body = _set(body, root, parent, [item], _unit(body, root), newline)
        return body

    # --- parsing --------------------------------------------------------------------------------

    def _values(self, path: Path, body: str) -> Any:
        if not self.comments:
            try:
                return orjson.loads(body)
            except orjson.JSONDecodeError as exc:
                raise ConfigFileBroken(path, exc.msg, exc.lineno, exc.colno) from None
        try:
            return json5.loads(body)
        except JSON5DecodeError as exc:
            raise _broken(path, exc) from None

    def _object(self, path: Path, text: str) -> JSONObject | None:
        body = text.removeprefix(_BOM)
        if not body.strip():
            return None
        values = self._values(path, body)
        if not isinstance(values, dict):
            raise ConfigFileBroken(path, "the top level is not a JSON object")
        try:
            model = json5.loads(body, loader=ModelLoader())
        except JSON5DecodeError as exc:
            raise _broken(path, exc) from None
        root = model.value
        assert isinstance(root, JSONObject)
        return root


_WHERE = re.compile(r"line (\d+) column (\d+)")


def _broken(path: Path, exc: JSON5DecodeError) -> ConfigFileBroken:
    """json-five's error, reduced to its primary complaint and where it is (line, column)."""
    text = str(exc)
    if "The primary error was:" in text:
        text = text.split("The primary error was:", 1)[1].strip().splitlines()[0]
    line, column = getattr(exc, "lineno", None), getattr(exc, "colno", None)
    found = _WHERE.search(text)
    if (line is None or column is None) and found:
        line, column = int(found.group(1)), int(found.group(2))
    reason = text.split(" at: ", 1)[0].split(" in or near token", 1)[0]
    reason = reason.removeprefix("Syntax Error").lstrip(":. ").rstrip(" at").strip() or "not valid JSON"
    return ConfigFileBroken(path, reason, line, column)


# --- splicing ------------------------------------------------------------------------------------


def _key_name(node: Any) -> str:
    for attr in ("characters", "name"):
        value = getattr(node, attr, None)
        if isinstance(value, str):
            return value
    return str(node)


def _start(node: Any) -> int:
    return int(node._tok.index)


def _end(node: Any) -> int:
    tok = node._end_tok if getattr(node, "_end_tok", None) is not None else node._tok
    return int(tok.end)


def _close(obj: JSONObject | JSONArray) -> int:
    """The offset of the closing brace or bracket."""
    tok = obj._end_tok
    assert tok is not None  # the model loader sets it for every object it parsed
    return int(tok.index)


def _members(obj: JSONObject) -> list[tuple[str, Any, Any]]:
    return [(_key_name(k), k, v) for k, v in zip(obj.keys, obj.values, strict=True)]


def _line_start(text: str, i: int) -> int:
    return text.rfind("\n", 0, i) + 1


def _indent_at(text: str, i: int) -> str:
    start = _line_start(text, i)
    line = text[start:i]
    return line[: len(line) - len(line.lstrip(" \t"))]


def _alone_on_line(text: str, i: int) -> bool:
    return text[_line_start(text, i) : i].strip() == ""


def _skip_trivia(text: str, i: int) -> int:
    """The index of the next character that is not whitespace or a comment."""
    n = len(text)
    while i < n:
        if text[i] in " \t\r\n":
            i += 1
        elif text.startswith("//", i):
            nl = text.find("\n", i)
            i = n if nl < 0 else nl + 1
        elif text.startswith("/*", i):
            close = text.find("*/", i + 2)
            i = n if close < 0 else close + 2
        else:
            break
    return i


def _end_of_line_comment(text: str, i: int) -> int:
    """Where the line ends after index i, if only spaces or a // comment follow; else i."""
    nl = text.find("\n", i)
    stop = len(text) if nl < 0 else nl
    rest = text[i:stop].strip()
    if rest == "" or rest.startswith("//"):
        return stop - 1 if stop > i and text[stop - 1] == "\r" else stop
    return i


def _unit(text: str, root: JSONObject) -> str:
    """One level of indentation as the file uses it (two spaces when it cannot tell)."""
    for _, key, _ in _members(root):
        if _alone_on_line(text, _start(key)):
            indent = _indent_at(text, _start(key))
            if indent:
                return indent
    return "  "


def _dump(value: Any, indent: str, unit: str, nl: str) -> str:
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = indent + unit
        items = [f"{inner}{orjson.dumps(k).decode()}: {_dump(v, inner, unit, nl)}" for k, v in value.items()]
        return "{" + nl + ("," + nl).join(items) + nl + indent + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        inner = indent + unit
        return (
            "[" + nl + ("," + nl).join(inner + _dump(v, inner, unit, nl) for v in value) + nl + indent + "]"
        )
    return orjson.dumps(value).decode()


def _find(obj: JSONObject, path: KeyPath) -> Any:
    node: Any = obj
    for part in path:
        if not isinstance(node, JSONObject):
            return None
        found = [v for k, _, v in _members(node) if k == part]
        if not found:
            return None
        node = found[-1]
    return node


def _nest(path: KeyPath, value: Any) -> Any:
    for part in reversed(path):
        value = {str(part): value}
    return value


def _set(text: str, obj: JSONObject, path: KeyPath, value: Any, unit: str, nl: str) -> str:
    members = _members(obj)
    name, rest = path[0], path[1:]
    if not isinstance(name, str):
        raise TypeError("a list step (Items) can only end a key path")
    # Like JSON.parse, the last of duplicate keys is the one that counts.
    found = [i for i, (k, _, _) in enumerate(members) if k == name]
    if not found:
        if value is MISSING:
            return text
        return _insert(text, obj, members, name, _nest(rest, value), unit, nl)
    index = found[-1]
    _, key, node = members[index]
    if not rest:
        if value is MISSING:
            return _delete(text, obj, members, index)
        indent = _indent_at(text, _start(key))
        return text[: _start(node)] + _dump(value, indent, unit, nl) + text[_end(node) :]
    if isinstance(node, JSONObject):
        return _set(text, node, rest, value, unit, nl)
    if value is MISSING:
        return text
    indent = _indent_at(text, _start(key))
    return text[: _start(node)] + _dump(_nest(rest, value), indent, unit, nl) + text[_end(node) :]


def _entries(container: JSONObject | JSONArray) -> list[tuple[int, int]]:
    """(start, end) of each member (key to end of value) or array element."""
    if isinstance(container, JSONObject):
        return [(_start(k), _end(v)) for _, k, v in _members(container)]
    return [(_start(v), _end(v)) for v in container.values]


def _insert(
    text: str, obj: JSONObject, members: list[tuple[str, Any, Any]], name: str, value: Any, unit: str, nl: str
) -> str:
    label = orjson.dumps(name).decode() + ": "
    return _append(text, obj, label, value, unit, nl)


def _append(text: str, container: JSONObject | JSONArray, label: str, value: Any, unit: str, nl: str) -> str:
    """Adds `label` + value as the last entry, laid out like the entries already there."""
    entries = _entries(container)
    if not entries:
        open_at, close_at = _start(container), _close(container)
        indent = _indent_at(text, open_at)
        inner = indent + unit
        between = text[open_at + 1 : close_at].strip()
        kept = f" {between}" if between else ""  # a comment inside the empty braces stays
        entry = f"{inner}{label}{_dump(value, inner, unit, nl)}"
        return text[: open_at + 1] + kept + nl + entry + nl + indent + text[close_at:]
    first_start = entries[0][0]
    last_start, end = entries[-1]
    after = _skip_trivia(text, end)
    trailing_comma = text[after] == ","  # JSONC: keep the style
    if not _alone_on_line(text, first_start):
        # A one-line object or array stays on one line.
        compact = label + orjson.dumps(value).decode()
        if trailing_comma:
            return text[: after + 1] + f" {compact}," + text[after + 1 :]
        return text[:end] + f", {compact}" + text[end:]
    indent = _indent_at(text, last_start)
    entry = label + _dump(value, indent, unit, nl)
    if trailing_comma:
        eol = _end_of_line_comment(text, after + 1)
        return text[:eol] + nl + indent + entry + "," + text[eol:]
    eol = _end_of_line_comment(text, end)
    return text[:end] + "," + text[end:eol] + nl + indent + entry + text[eol:]


def _delete(text: str, obj: JSONObject | JSONArray, members: Any, index: int) -> str:
    """Cuts one entry with its comma (and its line, when it had one to itself)."""
    entries = _entries(obj)
    start, end = entries[index]
    after = _skip_trivia(text, end)
    if text[after] == ",":
        alone = _alone_on_line(text, start)
        cut_from = _line_start(text, start) if alone else start
        cut_to = after + 1
        nl = text.find("\n", cut_to)
        rest = text[cut_to : len(text) if nl < 0 else nl].strip()
        if alone and (rest == "" or rest.startswith("//")):
            cut_to = len(text) if nl < 0 else nl + 1  # the whole line, with its comment
        else:
            while cut_to < len(text) and text[cut_to] in " \t":
                cut_to += 1
        return text[:cut_from] + text[cut_to:]
    if index > 0:
        # The last entry: its separating comma goes; comments between comma and entry stay.
        comma = _skip_trivia(text, entries[index - 1][1])
        cut_from = start
        if _alone_on_line(text, start):
            cut_from = _line_start(text, start)
            cut_from -= 2 if text[max(0, cut_from - 2) : cut_from] == "\r\n" else 1
        cut_from = max(cut_from, comma + 1)
        return text[:comma] + text[comma + 1 : cut_from] + text[end:]
    open_at, close_at = _start(obj), _close(obj)
    if text[open_at + 1 : start].strip() == "" and text[end:close_at].strip() == "":
        return text[: open_at + 1] + text[close_at:]
    return text[: open_at + 1] + text[open_at + 1 : start].rstrip(" \t") + text[end:]


__all__ = ["JSONArray", "JsonDocument"]
