"""Reading a relayed stream on the side: the gateway keeps only the first and the last few KiB of a
passthrough stream (its head and tail windows) and reads the usage from them without decoding the
stream. A window may start or end in the middle of an event, so an object is found by its key and
its end by matching braces outside JSON strings, never by parsing the window whole."""

from __future__ import annotations

from typing import Any

import orjson

_BACKSLASH, _QUOTE, _OPEN, _CLOSE = 0x5C, 0x22, 0x7B, 0x7D
_SPACE = b" \t\r\n"


def find_object(window: bytes, key: str, *, last: bool = True) -> dict[str, Any] | None:
    """The object under `"key":` — the last complete one in `window`, or the first when `last` is
    False; None when there is none. A key inside a JSON string (its quotes escaped) is passed over."""
    needle = b'"' + key.encode() + b'"'
    pos = len(window) if last else -len(needle)
    while True:
        pos = window.rfind(needle, 0, pos) if last else window.find(needle, pos + len(needle))
        if pos < 0:
            return None
        if pos > 0 and window[pos - 1] == _BACKSLASH:
            continue
        start = _after_colon(window, pos + len(needle))
        if start is None or window[start : start + 1] != b"{":
            continue
        end = _object_end(window, start)
        if end is None:
            continue
        try:
            value = orjson.loads(window[start:end])
        except orjson.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return value


def _after_colon(data: bytes, at: int) -> int | None:
    """Where the value starts after a key ending at `at`: past white space, one colon, white space."""
    while at < len(data) and data[at] in _SPACE:
        at += 1
    if data[at : at + 1] != b":":
        return None
    at += 1
    while at < len(data) and data[at] in _SPACE:
        at += 1
    return at


def _object_end(data: bytes, start: int) -> int | None:
    """The end (exclusive) of the object opening at `start`, or None when the window cuts it."""
    depth = 0
    in_string = False
    escaped = False
    for k in range(start, len(data)):
        c = data[k]
        if in_string:
            if escaped:
                escaped = False
            elif c == _BACKSLASH:
                escaped = True
            elif c == _QUOTE:
                in_string = False
        elif c == _QUOTE:
            in_string = True
        elif c == _OPEN:
            depth += 1
        elif c == _CLOSE:
            depth -= 1
            if depth == 0:
                return k + 1
    return None
