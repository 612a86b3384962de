from __future__ import annotations

from app.savers.rtk import git_log


def test_real_log_one_header_per_commit(tool_outputs: dict[str, tuple[str, str]]) -> None:
    text = tool_outputs["git-log"][1]
    out = git_log.compress(text)
    lines = out.split("\n")
    assert lines[0].endswith("| Ada | 2026-01-02 03:04 +0000")
    assert "  Double every handler value" in lines and "  Callers expect twice the raw value." in lines
    assert "  First version of the handlers" in lines
    assert "ada@example.invalid" not in out and len(out) < len(text)


def test_long_bodies_and_many_commits_are_capped() -> None:
    commit = (
        "commit {sha}\nAuthor: A <a@b>\nDate:   Mon Jan 5 10:00:00 2026 +0100\n\n    Subject {n}\n\n"
        + "".join(f"    body line {i}\n" for i in range(8))
    )
    text = "\n".join(commit.format(sha=f"{n:040x}", n=n) for n in range(git_log.MAX_COMMITS + 5))
    out = git_log.compress(text)
    assert "Subject 0" in out and "body line 2" in out and "body line 3" not in out
    assert "5 older commits omitted" in out
    assert f"Subject {git_log.MAX_COMMITS}\n" not in out


def test_lines_before_the_first_commit_are_kept() -> None:
    assert git_log.compress("warning: refname is ambiguous\n").strip() == "warning: refname is ambiguous"
