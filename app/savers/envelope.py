"""Shell tool results that wrap the command's output in a small header (Codex):

    Exit code: 1
    Wall time: 0.4 seconds
    Output:
    <the output>

or the older JSON form `{"output": "...", "metadata": {"exit_code": 1, ...}}`, and Gemini CLI's

    Command: git diff
    Directory: (root)
    Output: <the output>
    Error: (none)
    Exit Code: 0
    Signal: (none) …

Only the output is compressed; the rest is kept as it was, and a non-zero exit code (or an error)
makes the result an error result.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import orjson

_HEADER_END = "\nOutput:\n"
_EXIT = re.compile(r"(?:Exit code:|exited with code)\s*(-?\d+)", re.I)
HEADER_CHARS = 400
_GEMINI_HEAD = re.compile(r"\ACommand: [^\n]*\n(?:Directory: [^\n]*\n)?Output: ")
_GEMINI_TAIL = re.compile(r"\nError: ([^\n]*)\nExit Code: ([^\n]*)(?:\n[A-Z][\w ]*: [^\n]*)*\n?\Z")


@dataclass(frozen=True, slots=True)
class Envelope:
    inner: str
    failed: bool
    rebuild: Callable[[str], str]


def open_envelope(text: str) -> Envelope | None:
    cut = text.find(_HEADER_END, 0, HEADER_CHARS)
    if cut >= 0:
        header = text[: cut + len(_HEADER_END)]
        exit_code = _EXIT.search(header)
        return Envelope(
            inner=text[len(header) :],
            failed=exit_code is not None and exit_code.group(1) != "0",
            rebuild=lambda inner: header + inner,
        )
    head = _GEMINI_HEAD.match(text)
    if head:
        tail = _GEMINI_TAIL.search(text, head.end())
        if tail is None:
            return None
        prefix, suffix = text[: head.end()], text[tail.start() :]
        return Envelope(
            inner=text[head.end() : tail.start()],
            failed=tail.group(1) != "(none)" or tail.group(2) not in ("0", "(none)"),
            rebuild=lambda inner: prefix + inner + suffix,
        )
    if text.startswith('{"output":'):
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(value, dict) or not isinstance(value.get("output"), str):
            return None
        metadata = value.get("metadata")
        code = metadata.get("exit_code") if isinstance(metadata, dict) else None
        return Envelope(
            inner=value["output"],
            failed=code not in (0, None),
            # orjson keeps key order, so the rebuilt JSON differs from the original only in "output".
            rebuild=lambda inner: orjson.dumps({**value, "output": inner}).decode(),
        )
    return None
