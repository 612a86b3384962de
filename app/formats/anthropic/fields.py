"""Typed readers for fields of Anthropic JSON: each checks the value's type and raises InvalidRequest
naming the offending field by its path (`messages[2].content[0].text`), plus the few small value
helpers (`_rest` for the fields a decoder did not model, `_json_text`, `_int_or_zero`). They live
apart so that request, response and tool decoding all validate the same way and report the same
messages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from app.core.errors import InvalidRequest


def _bad(path: str, expected: str) -> InvalidRequest:
    return InvalidRequest(f"{path}: {expected}", param=path)


def _obj(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _bad(path, "expected an object")
    return value


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise _bad(path, "expected an array")
    return value


def _str(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise _bad(path, "expected a string")
    return value


def _opt_str(value: Any, path: str) -> str | None:
    return None if value is None else _str(value, path)


def _opt_int(value: Any, path: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(path, "expected an integer")
    return value


def _opt_num(value: Any, path: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(path, "expected a number")
    return value


def _opt_bool(value: Any, path: str) -> bool | None:
    if value is None:
        return None
    if not isinstance(value, bool):
        raise _bad(path, "expected a boolean")
    return value


def _rest(obj: Mapping[str, Any], known: Iterable[str]) -> dict[str, Any]:
    skip = set(known)
    return {k: v for k, v in obj.items() if k not in skip}


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def _int_or_zero(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
