from __future__ import annotations

import pytest

from app.savers.rtk.detect import ToolCall, detect, from_command, from_text
from app.savers.rtk.kinds import Kind


@pytest.mark.parametrize(
    ("command", "kind"),
    [
        ("git diff HEAD~1", Kind.GIT_DIFF),
        ("git --no-pager show abc123", Kind.GIT_DIFF),
        ("git log -p -3", Kind.GIT_DIFF),
        ("git log --oneline -20", Kind.GIT_LOG),
        ("git status", Kind.GIT_STATUS),
        ("cd repo && git status --long", Kind.GIT_STATUS),
        ("git grep -n foo", Kind.GREP),
        ("rg -n 'async def' app | head -50", Kind.GREP),
        ("grep -rn TODO src", Kind.GREP),
        ("rg --files src", Kind.FIND),
        ("grep -rl TODO src", Kind.GREP),  # combined short flags are not split: the text decides later
        ("grep -l TODO -r src", Kind.FIND),
        ("find . -name '*.py'", Kind.FIND),
        ("fd -e ts", Kind.FIND),
        ("ls -la", Kind.LS),
        ("ls", None),
        ("tree -L 2", Kind.TREE),
        ("python -m pytest -x tests", Kind.PYTEST),
        ("uv run pytest", Kind.PIP),  # `uv` first: an install/run tool; the text then decides nothing
        ("npx jest --ci", Kind.JEST),
        ("npm test", Kind.JEST),
        ("go test ./...", Kind.GO_TEST),
        ("cargo test", Kind.CARGO_TEST),
        ("cargo build --release", Kind.BUILD),
        ("npx tsc --noEmit", Kind.BUILD),
        ("make -j4", Kind.BUILD),
        ("gcc -Wall -c x.c", Kind.BUILD),
        ("pip install -r requirements.txt", Kind.PIP),
        ("npm install", Kind.NPM),
        ("npm ls --all --json", Kind.JSON),
        ("curl -s https://api.example.com | jq .", Kind.JSON),
        ("cat README.md", Kind.SOURCE),
        ("sed -n 1,80p app/main.py", Kind.SOURCE),
        ("echo hi", None),
        ("FOO=1 sudo -E make", Kind.BUILD),
        ("unbalanced 'quote", None),
    ],
)
def test_from_command(command: str, kind: Kind | None) -> None:
    assert from_command(command) == kind


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("diff --git a/x b/x\nindex 1..2\n", Kind.GIT_DIFF),
        ("commit " + "a" * 40 + "\nAuthor: A <a@b>\n", Kind.GIT_LOG),
        ("On branch main\nnothing to commit\n", Kind.GIT_STATUS),
        ("============ test session starts ============\nplatform linux\n", Kind.PYTEST),
        ("running 3 tests\ntest a ... ok\n", Kind.CARGO_TEST),
        ("=== RUN   TestX\n--- PASS: TestX (0.00s)\n", Kind.GO_TEST),
        ("PASS src/a.test.js\nFAIL src/b.test.js\n", Kind.JEST),
        ("x.c:3:5: error: expected ';'\n", Kind.BUILD),
        ("src/a.ts(1,2): error TS2322: no\n", Kind.BUILD),
        ("Collecting aiohttp\n", Kind.PIP),
        ("npm warn deprecated x@1: y\n", Kind.NPM),
        (".\n├── a\n└── b\n", Kind.TREE),
        ("total 8\ndrwxr-xr-x 2 me me 4096 Jan  5 10:00 src\n", Kind.LS),
        ('{\n  "a": 1\n}\n', Kind.JSON),
        ("     1→import os\n     2→import sys\n     3→\n", Kind.SOURCE),
        ("a.py:3:import os\nb.py:10:import sys\n", Kind.GREP),
        ("./a/b.py\n./a/c.py\n./d/e.txt\n", Kind.FIND),
        ('127.0.0.1 - - [25/Nov/2026 12:04:05] "GET / HTTP/1.1" 200 -\n', Kind.LOG),
        ("just some words\n", Kind.LOG),
    ],
)
def test_from_text(text: str, kind: Kind) -> None:
    assert from_text(text) == kind


def test_tool_name_wins_then_command_then_text() -> None:
    diff = "diff --git a/x b/x\n"
    assert detect(diff, ToolCall("Read")) == Kind.SOURCE
    assert detect(diff, ToolCall("Grep")) == Kind.GREP
    assert detect(diff, ToolCall("Bash", "ls -l")) == Kind.LS
    assert detect(diff, ToolCall("Bash", "echo")) == Kind.GIT_DIFF
