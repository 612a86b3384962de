"""The format-specific part of a writer: parse (or say where the file is broken), read the values of
the keys we own, and render new text with only those keys changed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Protocol


@dataclass(frozen=True, slots=True)
class Items:
    """The last step of a key path into a list shared with the user (Droid's customModels): the
    objects whose `field` starts with `prefix` are ours; its value is the list of them."""

    field: str
    prefix: str

    def owns(self, item: Any) -> bool:
        return isinstance(item, dict) and str(item.get(self.field, "")).startswith(self.prefix)


KeyPath = tuple[str | Items, ...]


class _Missing:
    """A key that is absent (read) or to be removed (write)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final = _Missing()

Assignments = Mapping[KeyPath, Any]  # value, or MISSING to remove the key


class Document(Protocol):
    """One file format. `text` is the whole file ("" when it does not exist)."""

    def check(self, path: Path, text: str) -> None:
        """Raises ConfigFileBroken (with line and column where known) if `text` does not parse."""
        ...

    def read(self, path: Path, text: str, keys: tuple[KeyPath, ...]) -> dict[KeyPath, Any]:
        """The current value of each key (MISSING when absent)."""
        ...

    def render(self, path: Path, text: str, assignments: Assignments) -> str:
        """`text` with only the assigned keys changed: pure, everything else kept as written."""
        ...
