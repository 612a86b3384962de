from __future__ import annotations

import re

from app.savers.rtk import git_status


def test_real_status_keeps_branch_and_every_path(tool_outputs: dict[str, tuple[str, str]]) -> None:
    text = tool_outputs["git-status"][1]
    out = git_status.compress(text)
    assert "On branch main" in out
    for path in re.findall(r"^\t(?:[a-z ]+:\s+)?(\S+)$", text, re.M):
        assert path in out
    assert "(use " not in out
    assert re.search(r"^staged: M src/pkg/mod1.py$", out, re.M)
    assert re.search(r"^unstaged: .*D src/pkg/mod0.py", out, re.M)
    assert re.search(r"^untracked: .*notes.txt", out, re.M)
    assert len(out) < len(text)


def test_long_groups_are_capped_with_a_count() -> None:
    paths = "\n".join(f"\tfile{i}.txt" for i in range(45))
    text = f'On branch main\nUntracked files:\n  (use "git add <file>..." to include)\n{paths}\n'
    out = git_status.compress(text)
    assert "file29.txt" in out and "file30.txt" not in out and "… +15 more" in out
