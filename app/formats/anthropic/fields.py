"""Reading fields of Anthropic JSON: the shared typed readers (`json_fields`), worded
`messages[2].content[0].text: expected a string` and naming the offending field as `param`, plus
`_bad` for the other errors, worded the same way, and `_rest` for the fields a decoder did not model.
Request, response and tool decoding all read through them, so they validate the same way and report
the same messages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from app.core.errors import InvalidRequest
from app.formats.json_fields import FieldReader


def _bad(path: str, expected: str) -> InvalidRequest:
    return InvalidRequest(f"{path}: {expected}", param=path)


FIELDS = FieldReader("{path}: expected {expected}")

_obj = FIELDS.mapping
_list = FIELDS.array
_str = FIELDS.string
_opt_str = FIELDS.opt_string
_opt_int = FIELDS.opt_int
_opt_num = FIELDS.opt_number
_opt_bool = FIELDS.opt_bool


def _rest(obj: Mapping[str, Any], known: Iterable[str]) -> dict[str, Any]:
    skip = set(known)
    return {k: v for k, v in obj.items() if k not in skip}


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value
