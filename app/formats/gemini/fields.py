"""Field access shared by every part of the Gemini adapter: the constants the format is known by, and
the readers that take a camelCase field also in snake_case (the REST API accepts both) and check its
type, raising InvalidRequest that names the offending field. They live apart so that decoding,
encoding, streams and errors all read Gemini JSON the same way."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

import orjson

from app.core.errors import InvalidRequest

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


def _mapping(value: Any, param: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidRequest(f"'{param}' must be an object", param=param)
    return value


def _list(value: Any, param: str) -> Sequence[Any]:
    if not isinstance(value, list):
        raise InvalidRequest(f"'{param}' must be an array", param=param)
    return value


def _opt_list(value: Any, param: str) -> Sequence[Any]:
    return () if value is None else _list(value, param)


def _opt_str(value: Any, param: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidRequest(f"'{param}' must be a string", param=param)
    return value


def _opt_bool(value: Any, param: str) -> bool | None:
    if value is None:
        return None
    if not isinstance(value, bool):
        raise InvalidRequest(f"'{param}' must be a boolean", param=param)
    return value


def _opt_number(value: Any, param: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidRequest(f"'{param}' must be a number", param=param)
    return value


def _opt_int(value: Any, param: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
        # int64 fields may also come as decimal strings in proto JSON.
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
            return int(value)
        raise InvalidRequest(f"'{param}' must be an integer", param=param)
    return int(value)


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _short_hash(*parts: str) -> str:
    digest = hashlib.sha1("\x00".join(parts).encode(), usedforsecurity=False)
    return digest.hexdigest()[:16]
