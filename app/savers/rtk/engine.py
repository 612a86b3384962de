"""RTK's one function: a tool result's text in, its compressed text out, with the reference's rules.

- Only text between MIN_CHARS and MAX_CHARS is looked at (short output has nothing to save, huge
  output would stall the request).
- The kind comes from the tool call, else from the first 1,024 characters (detect.py).
- An error result is touched only by a filter that keeps every failure (kinds.ERROR_SAFE), and only
  if every error line of the original is still there afterwards; otherwise it goes as it came.
- The result is never empty and never longer than the original; when it would be, the original is
  used.
- Pure and deterministic: the same (text, call, is_error) always gives the same output, which is what
  keeps a conversation's prefix byte-identical from turn to turn. That also makes it safe to memoise:
  the history is re-sent every turn, and each old result is then a dictionary hit instead of a rescan.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from app.savers.rtk import (
    build_log,
    find,
    git_diff,
    git_log,
    git_status,
    grep,
    install_npm,
    install_pip,
    json_output,
    log,
    ls,
    runner_cargo,
    runner_go,
    runner_jest,
    runner_pytest,
    tree,
)
from app.savers.rtk.detect import ToolCall, detect
from app.savers.rtk.kinds import ERROR_SAFE, Kind
from app.savers.rtk.text import error_lines

MIN_CHARS = 500
MAX_CHARS = 10 * 1024 * 1024
MEMO_ENTRIES = 2048

FILTERS: Mapping[Kind, Callable[[str], str]] = {
    Kind.GIT_DIFF: git_diff.compress,
    Kind.GIT_STATUS: git_status.compress,
    Kind.GIT_LOG: git_log.compress,
    Kind.GREP: grep.compress,
    Kind.FIND: find.compress,
    Kind.LS: ls.compress,
    Kind.TREE: tree.compress,
    Kind.PYTEST: runner_pytest.compress,
    Kind.JEST: runner_jest.compress,
    Kind.GO_TEST: runner_go.compress,
    Kind.CARGO_TEST: runner_cargo.compress,
    Kind.BUILD: build_log.compress,
    Kind.PIP: install_pip.compress,
    Kind.NPM: install_npm.compress,
    Kind.JSON: json_output.compress,
    Kind.LOG: log.compress,
}


@dataclass(frozen=True, slots=True)
class Outcome:
    """`kind` (a Kind, or another saver's label) is None when the text was left as it was (then `text`
    is the original)."""

    kind: str | None
    text: str


def _keeps_errors(original: str, compressed: str) -> bool:
    return all(line in compressed for line in error_lines(original))


@lru_cache(maxsize=MEMO_ENTRIES)
def compress_output(text: str, call: ToolCall = ToolCall(), is_error: bool = False) -> Outcome:
    unchanged = Outcome(None, text)
    if not MIN_CHARS <= len(text) <= MAX_CHARS:
        return unchanged
    kind = detect(text, call)
    if kind is Kind.SOURCE or (is_error and kind not in ERROR_SAFE):
        return unchanged
    out = FILTERS[kind](text)
    if not out.strip() or len(out) >= len(text):
        return unchanged
    if is_error and not _keeps_errors(text, out):
        return unchanged
    return Outcome(kind, out)
