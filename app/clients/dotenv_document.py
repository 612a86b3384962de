"""`.env` files (Gemini CLI's and Qwen Code's ~/.<tool>/.env) edited line by line with
python-dotenv's parser: our KEY=value lines are replaced, added at the end or dropped; every other
line, comment and blank stays exactly as written."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from dotenv.parser import parse_stream

from app.clients.document import MISSING, Assignments, KeyPath
from app.clients.errors import ConfigFileBroken

_BARE = re.compile(r"^[A-Za-z0-9_./:@+,=-]*$")


def _format(name: str, value: Any) -> str:
    text = str(value)
    if _BARE.match(text):
        return f"{name}={text}"
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'{name}="{escaped}"'


class DotenvDocument:
    def _bindings(self, path: Path, text: str) -> list[Any]:
        bindings = list(parse_stream(io.StringIO(text)))
        for b in bindings:
            if b.error:
                # The parser's chunk may start with the blank lines before the bad one.
                skipped = len(b.original.string) - len(b.original.string.lstrip("\r\n"))
                line = b.original.line + b.original.string[:skipped].count("\n")
                raise ConfigFileBroken(path, "expected KEY=value", line, 1)
        return bindings

    def check(self, path: Path, text: str) -> None:
        self._bindings(path, text)

    def read(self, path: Path, text: str, keys: tuple[KeyPath, ...]) -> dict[KeyPath, Any]:
        values = {b.key: b.value for b in self._bindings(path, text) if b.key is not None}
        return {key: values.get(str(key[0]), MISSING) for key in keys}

    def render(self, path: Path, text: str, assignments: Assignments) -> str:
        wanted = {str(key[0]): value for key, value in assignments.items()}
        out: list[str] = []
        placed: set[str] = set()
        for b in self._bindings(path, text):
            original = b.original.string
            if b.key is None or b.key not in wanted:
                out.append(original)
                continue
            value = wanted[b.key]
            if value is MISSING or b.key in placed:
                continue  # dropped (or a duplicate of a line we already rewrote)
            prefix = "export " if original.lstrip().startswith("export ") else ""
            ending = original[len(original.rstrip("\r\n")) :]
            out.append(prefix + _format(b.key, value) + ending)
            placed.add(b.key)
        added = [_format(k, v) for k, v in wanted.items() if v is not MISSING and k not in placed]
        if added:
            body = "".join(out)
            newline = "\r\n" if "\r\n" in body else "\n"
            if body and not body.endswith("\n"):
                out.append(newline)
            out.extend(line + newline for line in added)
        return "".join(out)
