"""Typed reads of a Responses JSON body. Each helper returns the value at `path` when it has the
expected JSON type and otherwise raises InvalidRequest with an OpenAI-style message and `param`
(e.g. "Invalid 'input[2].content': expected an array, but got a string"), so every decoder reports
malformed input the way the OpenAI API would; `_int0` is the lenient reader for numbers we only
consume (usage, positions).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.core.errors import InvalidRequest


def _bad(path: str, message: str) -> InvalidRequest:
    return InvalidRequest(f"Invalid '{path}': {message}", param=path)


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "an array"
    return type(value).__name__


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _obj(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _bad(path, f"expected an object, but got {_json_kind(value)}")
    return value


def _list(value: Any, path: str) -> Sequence[Any]:
    if not isinstance(value, list | tuple):
        raise _bad(path, f"expected an array, but got {_json_kind(value)}")
    return value


def _str(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise _bad(path, f"expected a string, but got {_json_kind(value)}")
    return value


def _req_str(obj: Mapping[str, Any], key: str, path: str) -> str:
    if key not in obj:
        raise _bad(_join(path, key), "missing required parameter")
    return _str(obj[key], _join(path, key))


def _opt_str(obj: Mapping[str, Any], key: str, path: str) -> str | None:
    value = obj.get(key)
    return None if value is None else _str(value, _join(path, key))


def _opt_int(obj: Mapping[str, Any], key: str, path: str) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(_join(path, key), f"expected an integer, but got {_json_kind(value)}")
    return value


def _opt_num(obj: Mapping[str, Any], key: str, path: str) -> float | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(_join(path, key), f"expected a number, but got {_json_kind(value)}")
    return value


def _opt_bool(obj: Mapping[str, Any], key: str, path: str) -> bool | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise _bad(_join(path, key), f"expected a boolean, but got {_json_kind(value)}")
    return value


def _int0(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
