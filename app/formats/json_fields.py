"""Typed readers for the fields of a client's JSON body. Each returns the value when it has the
expected JSON type and otherwise raises InvalidRequest with `param` set to the field's path
(`messages[2].content[0].text`), so every decoder reports a malformed field the same way.

Formats differ only in the wording (each words the error as its own API does, so a client sees the
message it would see upstream) and in whether a whole float such as `3.0` counts as an integer; a
format makes one `FieldReader` with those two and reads every field through it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from app.core.errors import InvalidRequest


def json_type(value: object) -> str:
    """The JSON type of a value as an error message names it ("a string", "an object", "null"…)."""
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


@dataclass(frozen=True, slots=True)
class FieldReader:
    """The typed readers, worded for one format. `opt_*` readers take None (absent or null) as None."""

    # The message for a value of the wrong type, with the placeholders {path}, {expected} ("an
    # array") and {got} (the JSON type of the value, "a number").
    wrong_type_message: str
    # Whether a whole float (3.0) is read as the integer 3 (OpenAI Chat and Gemini accept it).
    whole_floats: bool = False

    def wrong_type(self, value: object, expected: str, path: str) -> NoReturn:
        message = self.wrong_type_message.format(path=path, expected=expected, got=json_type(value))
        raise InvalidRequest(message, param=path)

    def mapping(self, value: object, path: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            self.wrong_type(value, "an object", path)
        return value

    def array(self, value: object, path: str) -> list[Any]:
        if not isinstance(value, list):
            self.wrong_type(value, "an array", path)
        return value

    def string(self, value: object, path: str) -> str:
        if not isinstance(value, str):
            self.wrong_type(value, "a string", path)
        return value

    def opt_string(self, value: object, path: str) -> str | None:
        return None if value is None else self.string(value, path)

    def opt_int(self, value: object, path: str) -> int | None:
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if self.whole_floats and isinstance(value, float) and value.is_integer():
            return int(value)
        self.wrong_type(value, "an integer", path)

    def opt_number(self, value: object, path: str) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.wrong_type(value, "a number", path)
        return value

    def opt_bool(self, value: object, path: str) -> bool | None:
        if value is None:
            return None
        if not isinstance(value, bool):
            self.wrong_type(value, "a boolean", path)
        return value
