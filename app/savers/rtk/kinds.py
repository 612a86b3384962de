"""The kinds of tool output RTK tells apart; each has one filter module."""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    GIT_DIFF = "git-diff"  # git diff, git show, git log -p: anything with `diff --git` hunks
    GIT_STATUS = "git-status"
    GIT_LOG = "git-log"
    GREP = "grep"  # grep -rn, rg, git grep
    FIND = "find"  # find, fd, a glob tool's path list
    LS = "ls"  # ls -l
    TREE = "tree"
    PYTEST = "pytest"
    JEST = "jest"  # jest and vitest
    GO_TEST = "go-test"
    CARGO_TEST = "cargo-test"
    BUILD = "build"  # tsc, cargo build/check, gcc/clang, make
    PIP = "pip"
    NPM = "npm"
    JSON = "json"
    LOG = "log"  # anything else: repeated lines collapsed, very long output truncated in the middle
    SOURCE = "source"  # a file the model asked to read: never compressed, it needs every line


# Filters that keep every failure, error line and location, so they may touch an error result too
# (a failing test run is an error result in Claude Code); the engine still checks that no error line
# was lost before using their output.
ERROR_SAFE = frozenset(
    {Kind.PYTEST, Kind.JEST, Kind.GO_TEST, Kind.CARGO_TEST, Kind.BUILD, Kind.PIP, Kind.NPM}
)
