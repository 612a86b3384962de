"""TOML files (Codex's config.toml) through tomlkit, which keeps comments, order and formatting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tomlkit
import tomlkit.exceptions
from tomlkit.container import Container
from tomlkit.items import Table

from app.clients.document import MISSING, Assignments, KeyPath
from app.clients.errors import ConfigFileBroken


class TomlDocument:
    def _parse(self, path: Path, text: str) -> tomlkit.TOMLDocument:
        try:
            return tomlkit.parse(text)
        except tomlkit.exceptions.ParseError as exc:
            reason = str(exc).split(" at line ")[0].rstrip(".")
            # tomlkit counts columns from 0; editors (and our other formats) from 1.
            raise ConfigFileBroken(path, reason, exc.line, exc.col + 1) from None

    def check(self, path: Path, text: str) -> None:
        self._parse(path, text)

    def read(self, path: Path, text: str, keys: tuple[KeyPath, ...]) -> dict[KeyPath, Any]:
        doc = self._parse(path, text)
        out: dict[KeyPath, Any] = {}
        for key in keys:
            node: Any = doc
            for part in key:
                if isinstance(node, Container | Table | dict) and part in node:
                    node = node[part]
                else:
                    node = MISSING
                    break
            out[key] = node.unwrap() if hasattr(node, "unwrap") else node
        return out

    def render(self, path: Path, text: str, assignments: Assignments) -> str:
        doc = self._parse(path, text)
        for key, value in assignments.items():
            parent: Any = doc
            for i, part in enumerate(key[:-1]):
                if part not in parent or not isinstance(parent[part], Table | Container | dict):
                    if value is MISSING:
                        parent = None
                        break
                    # A parent made only to hold a sub-table is written as [a.b], not [a] + [a.b].
                    parent[part] = tomlkit.table(is_super_table=i == len(key) - 2)
                parent = parent[part]
            if parent is None:
                continue
            last = key[-1]
            if value is MISSING:
                if last in parent:
                    del parent[last]
            elif isinstance(value, dict):
                parent[last] = _table(value)
            else:
                parent[last] = value
        return tomlkit.dumps(doc)


def _table(values: dict[str, Any]) -> Table:
    table = tomlkit.table()
    for name, value in values.items():
        table[name] = _table(value) if isinstance(value, dict) else value
    return table
