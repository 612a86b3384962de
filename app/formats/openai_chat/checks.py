"""Reading a Chat Completions request body: typed accessors that return the value at `path` when it
has the expected JSON type and otherwise raise InvalidRequest worded the way api.openai.com words it
("Invalid type for 'messages[2].content': expected a string or an array, but got a number instead."),
with `param` set, so a client of this format sees the errors it would see upstream. `_load` is
the lenient parse used for upstream bodies, where junk means "nothing to read" rather than an error."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

import orjson

from app.core.errors import InvalidRequest


def _load(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None


def _fail(message: str, param: str | None) -> NoReturn:
    raise InvalidRequest(message, param=param)


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__


def _wrong_type(value: object, expected: str, path: str) -> NoReturn:
    _fail(f"Invalid type for '{path}': expected {expected}, but got {_json_type(value)} instead.", path)


def _obj(value: object, path: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        _wrong_type(value, "an object", path)
    return value


def _list(value: object, path: str) -> list[Any]:
    if not isinstance(value, list):
        _wrong_type(value, "an array", path)
    return value


def _str(value: object, path: str) -> str:
    if not isinstance(value, str):
        _wrong_type(value, "a string", path)
    return value


def _opt_str(value: object, path: str) -> str | None:
    return None if value is None else _str(value, path)


def _opt_int(value: object, path: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        _wrong_type(value, "an integer", path)
    if isinstance(value, float):
        if not value.is_integer():
            _wrong_type(value, "an integer", path)
        return int(value)
    return value


def _opt_num(value: object, path: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        _wrong_type(value, "a number", path)
    return value


def _opt_bool(value: object, path: str) -> bool | None:
    if value is None:
        return None
    if not isinstance(value, bool):
        _wrong_type(value, "a boolean", path)
    return value
