"""Field access shared by every part of the Gemini adapter: the constants the format is known by, the
lookup that takes a camelCase field also in snake_case (the REST API accepts both), and the shared
typed readers (`json_fields`) worded "'contents[0].parts' must be an array", naming the offending
field. They live apart so that decoding, encoding, streams and errors all read Gemini JSON the same
way."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from app.formats.json_fields import FieldReader

FORMAT: Final = "gemini"
# The value Google documents for history whose function calls have no real signature.
SKIP_SIGNATURE: Final = "skip_thought_signature_validator"
# Prefix of the tool call ids this adapter invents; never sent to Gemini.
SYNTHETIC_ID_PREFIX: Final = "gfc_"
_JSONDict = dict[str, Any]
_SNAKE_CACHE: dict[str, str] = {}


def _snake(name: str) -> str:
    found = _SNAKE_CACHE.get(name)
    if found is None:
        found = re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()
        _SNAKE_CACHE[name] = found
    return found


def _camel(name: str) -> str:
    if "_" not in name:
        return name
    head, *rest = name.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def _get(obj: Mapping[str, Any], name: str) -> Any:
    """The value of a camelCase field, also accepted in snake_case as the REST API does."""
    if name in obj:
        return obj[name]
    return obj.get(_snake(name))


def _has(obj: Mapping[str, Any], name: str) -> bool:
    return name in obj or _snake(name) in obj


def _camel_keys(obj: Mapping[str, Any]) -> _JSONDict:
    """Top-level keys in camelCase (values untouched: they may hold user data)."""
    return {_camel(key): value for key, value in obj.items()}


# Proto JSON takes 3.0 for an integer.
FIELDS = FieldReader("'{path}' must be {expected}", whole_floats=True)

_mapping = FIELDS.mapping
_list = FIELDS.array
_opt_str = FIELDS.opt_string
_opt_bool = FIELDS.opt_bool
_opt_number = FIELDS.opt_number


def _opt_list(value: Any, param: str) -> Sequence[Any]:
    return () if value is None else _list(value, param)


def _opt_int(value: Any, param: str) -> int | None:
    # int64 fields may also come as decimal strings in proto JSON.
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        return int(value)
    return FIELDS.opt_int(value, param)


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _short_hash(*parts: str) -> str:
    digest = hashlib.sha1("\x00".join(parts).encode(), usedforsecurity=False)
    return digest.hexdigest()[:16]
