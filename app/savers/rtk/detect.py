"""Which kind of tool output a text is: first from the tool call (the command a shell tool ran, or the
tool's own name), then from the first 1,024 characters of the text itself."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from functools import lru_cache

from app.savers.rtk.kinds import Kind

SNIFF_CHARS = 1024


@dataclass(frozen=True, slots=True)
class ToolCall:
    """What the model asked for: the tool's name and, for shell tools, the command line it ran."""

    name: str = ""
    command: str = ""


# Tools of coding agents that return file contents or structured listings, by name.
_TOOL_NAMES: dict[str, Kind] = {
    "read": Kind.SOURCE,  # Claude Code, OpenCode
    "read_file": Kind.SOURCE,  # Gemini CLI, Cline
    "read_many_files": Kind.SOURCE,
    "view": Kind.SOURCE,
    "notebookread": Kind.SOURCE,
    "grep": Kind.GREP,
    "search_file_content": Kind.GREP,
    "glob": Kind.FIND,
    "list_directory": Kind.LS,
}

_GIT_SUBCOMMANDS: dict[str, Kind] = {
    "diff": Kind.GIT_DIFF,
    "show": Kind.GIT_DIFF,
    "status": Kind.GIT_STATUS,
    "log": Kind.GIT_LOG,
    "grep": Kind.GREP,
}
_PROGRAMS: dict[str, Kind] = {
    "grep": Kind.GREP,
    "egrep": Kind.GREP,
    "rg": Kind.GREP,
    "ag": Kind.GREP,
    "find": Kind.FIND,
    "fd": Kind.FIND,
    "fdfind": Kind.FIND,
    "tree": Kind.TREE,
    "pytest": Kind.PYTEST,
    "jest": Kind.JEST,
    "vitest": Kind.JEST,
    "tsc": Kind.BUILD,
    "gcc": Kind.BUILD,
    "g++": Kind.BUILD,
    "cc": Kind.BUILD,
    "clang": Kind.BUILD,
    "clang++": Kind.BUILD,
    "make": Kind.BUILD,
    "cmake": Kind.BUILD,
    "ninja": Kind.BUILD,
    "pip": Kind.PIP,
    "pip3": Kind.PIP,
    "uv": Kind.PIP,
    "npm": Kind.NPM,
    "pnpm": Kind.NPM,
    "yarn": Kind.NPM,
    "cat": Kind.SOURCE,
    "head": Kind.SOURCE,
    "tail": Kind.SOURCE,
    "nl": Kind.SOURCE,
    "sed": Kind.SOURCE,
    "less": Kind.SOURCE,
}
_WRAPPERS = frozenset({"sudo", "time", "env", "npx", "uvx", "poetry", "pipenv", "nice", "timeout", "exec"})
_SEGMENT = re.compile(r"&&|\|\||;|\n")


def _words(segment: str) -> list[str]:
    try:
        return shlex.split(segment)
    except ValueError:
        return segment.split()


def _program_kind(words: list[str]) -> Kind | None:
    while words and (words[0] in _WRAPPERS or "=" in words[0] or words[0].startswith("-")):
        words = words[1:]
    if not words:
        return None
    program = words[0].rsplit("/", 1)[-1]
    if program == "jq" or any(
        word in ("--json", "--format=json", "-ojson", "--output=json") for word in words
    ):
        return Kind.JSON
    rest = [word for word in words[1:] if not word.startswith("-")]
    if program in ("python", "python3") and len(words) > 2 and words[1] == "-m":
        program, rest = words[2], words[3:]
    if program == "git":
        for word in words[1:]:
            if word.startswith("-"):
                continue
            if word == "log" and any(w in ("-p", "--patch", "--stat") for w in words):
                return Kind.GIT_DIFF
            return _GIT_SUBCOMMANDS.get(word)
        return None
    if program in ("rg", "grep", "ag") and any(w in ("--files", "-l", "--files-with-matches") for w in words):
        return Kind.FIND  # a list of paths, not matches
    if program == "ls":
        return Kind.LS if any(w.startswith("-") and "l" in w for w in words[1:]) else None
    if program == "go" and rest[:1] == ["test"]:
        return Kind.GO_TEST
    if program == "cargo" and rest[:1]:
        return (
            Kind.CARGO_TEST
            if rest[0] in ("test", "nextest")
            else Kind.BUILD
            if rest[0] in ("build", "check", "clippy", "run")
            else None
        )
    if program in ("npm", "pnpm", "yarn", "bun") and rest[:1] and rest[0] in ("test", "t"):
        return Kind.JEST
    if (
        program in ("npm", "pnpm", "yarn")
        and rest[:1]
        and rest[0] in ("run", "exec")
        and rest[1:2]
        and rest[1] in ("build", "tsc", "typecheck", "lint")
    ):
        return Kind.BUILD
    return _PROGRAMS.get(program)


@lru_cache(maxsize=1024)  # commands are short and repeat; shlex is the dearest part of a small result
def from_command(command: str) -> Kind | None:
    """The kind of the first recognised program in a shell command (`cd x && git diff | head`)."""
    for chain in _SEGMENT.split(command):
        # A pipeline's output is its last stage's, but filters like head/grep keep the first's shape;
        # only jq at the end changes it (to JSON).
        first, *rest = chain.split("|")
        kind = _program_kind(_words(first))
        if kind is None and any(_words(stage)[:1] == ["jq"] for stage in rest):
            kind = Kind.JSON
        if kind is not None:
            return kind
    return None


_SNIFFERS: tuple[tuple[Kind, re.Pattern[str]], ...] = (
    (Kind.GIT_DIFF, re.compile(r"^diff --git ", re.M)),
    (Kind.GIT_LOG, re.compile(r"\Acommit [0-9a-f]{40}", re.M)),
    (
        Kind.GIT_STATUS,
        re.compile(
            r"^(On branch |HEAD detached |Changes to be committed:|Changes not staged for commit:|Untracked files:)",
            re.M,
        ),
    ),
    (
        Kind.PYTEST,
        re.compile(r"^={3,} (test session starts|FAILURES|ERRORS|short test summary info) ={3,}$", re.M),
    ),
    (Kind.CARGO_TEST, re.compile(r"^running \d+ tests?$|^test \S+ \.\.\. (ok|FAILED|ignored)$", re.M)),
    (Kind.GO_TEST, re.compile(r"^(=== RUN\s|--- (PASS|FAIL):|(ok|FAIL)\s+\S+\s+[\d.]+s$)", re.M)),
    (
        Kind.JEST,
        re.compile(
            r"^\s*(PASS|FAIL) \S+\.(test|spec)\.[jt]sx?|^ (RUN|FAIL)\s+v?\d|^\s*Test (Suites|Files):", re.M
        ),
    ),
    (
        Kind.BUILD,
        re.compile(
            r"^\S+:\d+:\d+: (fatal )?(error|warning)[:\[]|^\S+\(\d+,\d+\): error TS\d+|^(error|warning)(\[E\d+\])?: |^\s+Compiling \S+ v\d|^make(\[\d+\])?: ",
            re.M,
        ),
    ),
    (
        Kind.PIP,
        re.compile(
            r"^(Collecting \S|Requirement already satisfied: |Would install |Successfully installed |Looking in indexes: )",
            re.M,
        ),
    ),
    (Kind.NPM, re.compile(r"^(npm (WARN|ERR!|warn|error|notice|http)\b|added \d+ packages?)", re.M)),
    (Kind.TREE, re.compile(r"^(│|\s)*(├──|└──) ", re.M)),
    (Kind.LS, re.compile(r"\A(total \d+\n)?[-dl][-rwxsStT]{9}[.+@]?\s+\d+\s")),
)
_NUMBERED_SOURCE = re.compile(r"^\s*\d+(→|\t)")
_GREP_LINE = re.compile(r"^[^\s:][^:\s]*:\d+[:-]")
_PATH_LINE = re.compile(r"^\.{0,2}/?[\w.@+-]+(/[\w.@+ -]+)*/?$")


def _share(lines: list[str], pattern: re.Pattern[str]) -> float:
    return sum(1 for line in lines if pattern.match(line)) / len(lines) if lines else 0.0


def from_text(text: str) -> Kind:
    head = text[:SNIFF_CHARS]
    for kind, pattern in _SNIFFERS:
        if pattern.search(head):
            return kind
    stripped = head.lstrip()
    if stripped[:1] in "{[" and text.rstrip()[-1:] in "}]":
        return Kind.JSON
    # The last line of the sniffed head may be cut mid-way: judge on whole lines only.
    lines = [line for line in head.split("\n")[:-1] if line.strip()] or [head]
    if _share(lines, _NUMBERED_SOURCE) > 0.8:
        return Kind.SOURCE
    if _share(lines, _GREP_LINE) > 0.6:
        return Kind.GREP
    if _share(lines, _PATH_LINE) > 0.9 and any("/" in line for line in lines):
        return Kind.FIND
    return Kind.LOG


def detect(text: str, call: ToolCall) -> Kind:
    by_name = _TOOL_NAMES.get(call.name.lower())
    if by_name is not None:
        return by_name
    if call.command:
        by_command = from_command(call.command)
        if by_command is not None:
            return by_command
    return from_text(text)
