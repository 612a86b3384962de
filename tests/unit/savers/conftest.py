"""Real tool output for the savers' tests: git, grep, find and ls run on a small generated project."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.environment import need_tools

ENV = {
    "GIT_AUTHOR_NAME": "Ada",
    "GIT_AUTHOR_EMAIL": "ada@example.invalid",
    "GIT_COMMITTER_NAME": "Ada",
    "GIT_COMMITTER_EMAIL": "ada@example.invalid",
    "GIT_AUTHOR_DATE": "2026-01-02T03:04:05Z",
    "GIT_COMMITTER_DATE": "2026-01-02T03:04:05Z",
    "GIT_PAGER": "cat",
    "LC_ALL": "C",
}


def sh(command: str, cwd: Path) -> str:
    done = subprocess.run(
        command, shell=True, cwd=cwd, capture_output=True, text=True, env={**os.environ, **ENV}, check=False
    )
    return done.stdout + done.stderr


def module_source(n: int, version: int) -> str:
    lines = [f'"""Module {n}."""', ""]
    for f in range(12):
        lines += [
            f"def handler_{f}(request):",
            f"    value = request.get('key_{f}')",
            f"    return value * {version}",
            "",
        ]
    return "\n".join(lines)


@pytest.fixture(scope="session")
def tool_outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, str]]:
    """Name -> (command line, output) of real commands."""
    need_tools(["git", "grep", "find", "ls"], "apt-get install git grep findutils coreutils")
    repo = tmp_path_factory.mktemp("project")
    (repo / "src" / "pkg").mkdir(parents=True)
    for package in ("left-pad", "is-odd", "chalk"):
        (repo / "node_modules" / package / "lib").mkdir(parents=True)
        for name in ("index.js", "package.json", "README.md", "lib/util.js"):
            (repo / "node_modules" / package / name).write_text("module.exports = 1\n")
    for folder in ("docs", "tests/unit", "tests/integration"):
        (repo / folder).mkdir(parents=True)
        for n in range(6):
            (
                repo / folder / f"page_{n}.md" if folder == "docs" else repo / folder / f"test_mod{n}.py"
            ).write_text("x\n")
    for n in range(8):
        (repo / "src" / "pkg" / f"mod{n}.py").write_text(module_source(n, 1))
    sh("git init -q -b main . && git add src && git commit -q -m 'First version of the handlers'", repo)
    for n in range(0, 8, 2):
        (repo / "src" / "pkg" / f"mod{n}.py").write_text(module_source(n, 2))
    sh("git commit -q -am 'Double every handler value' -m 'Callers expect twice the raw value.'", repo)
    for n in range(1, 8, 2):
        (repo / "src" / "pkg" / f"mod{n}.py").write_text(module_source(n, 3))
    (repo / "src" / "pkg" / "mod0.py").unlink()
    (repo / "notes.txt").write_text("todo\n")
    sh("git add src/pkg/mod1.py", repo)
    commands = {
        "git-log-patch": "git log -p -2",
        "git-show": "git show",
        "git-diff": "git diff",
        "git-status": "git status",
        "git-log": "git log",
        "grep": "grep -rn 'return value' src",
        "find": "find . -not -path './.git/*'",
        "ls": "ls -la src/pkg",
    }
    return {name: (command, sh(command, repo)) for name, command in commands.items()}
