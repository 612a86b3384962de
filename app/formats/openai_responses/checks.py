"""Typed reads of a Responses JSON body: the shared typed readers (`json_fields`) with an OpenAI-style
message and `param` (e.g. "Invalid 'input[2].content': expected an array, but got a string"), so
every decoder reports malformed input the way the OpenAI API would. Fields of an object are read as
(object, key, path of the object); `_bad` words the other errors the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.errors import InvalidRequest
from app.formats.json_fields import FieldReader


def _bad(path: str, message: str) -> InvalidRequest:
    return InvalidRequest(f"Invalid '{path}': {message}", param=path)


FIELDS = FieldReader("Invalid '{path}': expected {expected}, but got {got}")

_obj = FIELDS.mapping
_list = FIELDS.array
_str = FIELDS.string


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _req_str(obj: Mapping[str, Any], key: str, path: str) -> str:
    if key not in obj:
        raise _bad(_join(path, key), "missing required parameter")
    return _str(obj[key], _join(path, key))


def _opt_str(obj: Mapping[str, Any], key: str, path: str) -> str | None:
    return FIELDS.opt_string(obj.get(key), _join(path, key))


def _opt_int(obj: Mapping[str, Any], key: str, path: str) -> int | None:
    return FIELDS.opt_int(obj.get(key), _join(path, key))


def _opt_num(obj: Mapping[str, Any], key: str, path: str) -> float | None:
    return FIELDS.opt_number(obj.get(key), _join(path, key))


def _opt_bool(obj: Mapping[str, Any], key: str, path: str) -> bool | None:
    return FIELDS.opt_bool(obj.get(key), _join(path, key))
