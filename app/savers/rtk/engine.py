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
  The memo is bounded by characters, not entries (one tool result can be megabytes).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

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
MEMO_CHARS = 32 * 1024 * 1024  # originals and results held by the memo, at most

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


def compress_uncached(text: str, call: ToolCall = ToolCall(), is_error: bool = False) -> Outcome:
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


_Key = tuple[str, ToolCall, bool]


class _Memo:
    """Least-recently-used outcomes, bounded by the characters they hold."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self._entries: OrderedDict[_Key, Outcome] = OrderedDict()
        self._chars = 0

    @staticmethod
    def _size(key: _Key, outcome: Outcome) -> int:
        return len(key[0]) + (len(outcome.text) if outcome.kind is not None else 0)

    def get(self, key: _Key) -> Outcome | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key: _Key, outcome: Outcome) -> None:
        size = self._size(key, outcome)
        if size > self.max_chars // 4 or key in self._entries:
            return
        self._entries[key] = outcome
        self._chars += size
        while self._chars > self.max_chars:
            old_key, old = self._entries.popitem(last=False)
            self._chars -= self._size(old_key, old)

    def clear(self) -> None:
        self._entries.clear()
        self._chars = 0


_memo = _Memo(MEMO_CHARS)


def clear_memo() -> None:
    _memo.clear()


def compress_output(text: str, call: ToolCall = ToolCall(), is_error: bool = False) -> Outcome:
    """compress_uncached, remembered: old results re-sent with every turn cost a lookup."""
    if len(text) < MIN_CHARS:
        return Outcome(None, text)
    key = (text, call, is_error)
    found = _memo.get(key)
    if found is None:
        found = compress_uncached(text, call, is_error)
        _memo.put(key, found)
    return found
