"""Reading a Chat Completions request body: the shared typed readers (`json_fields`) worded the way
api.openai.com words a wrong type ("Invalid type for 'messages[2].content': expected a string or an
array, but got a number instead."), with `param` set, so a client of this format sees the errors it
would see upstream; `_fail` raises the other errors OpenAI words its own way."""

from __future__ import annotations

from typing import NoReturn

from app.core.errors import InvalidRequest
from app.formats.json_fields import FieldReader

# OpenAI takes 3.0 for an integer parameter.
FIELDS = FieldReader(
    "Invalid type for '{path}': expected {expected}, but got {got} instead.", whole_floats=True
)

_wrong_type = FIELDS.wrong_type
_obj = FIELDS.mapping
_list = FIELDS.array
_str = FIELDS.string
_opt_str = FIELDS.opt_string
_opt_int = FIELDS.opt_int
_opt_num = FIELDS.opt_number
_opt_bool = FIELDS.opt_bool


def _fail(message: str, param: str | None) -> NoReturn:
    raise InvalidRequest(message, param=param)
