from __future__ import annotations

import re

from app.savers.rtk import git_diff


def test_real_show_keeps_headers_and_changes(tool_outputs: dict[str, tuple[str, str]]) -> None:
    text = tool_outputs["git-show"][1]
    out = git_diff.compress(text)
    for header in re.findall(r"^(?:diff --git|@@) .*$", text, re.M):
        assert header in out
    for changed in re.findall(r"^[+-](?![+-]{2} ).*$", text, re.M):
        assert changed in out
    assert "index " not in out and "\n--- a/" not in out and "\n+++ b/" not in out
    assert re.search(r"^commit [0-9a-f]{12} \| Ada \| 2026-01-02 03:04 \+0000$", out, re.M)
    assert "  Double every handler value" in out and "Author:" not in out
    assert len(out) < len(text)


def test_real_log_patch_over_the_cap_keeps_every_header(tool_outputs: dict[str, tuple[str, str]]) -> None:
    text = tool_outputs["git-log-patch"][1]
    out = git_diff.compress(text)
    for header in re.findall(r"^(?:diff --git|@@) .*$", text, re.M):
        assert header in out
    assert "hunk bodies (over 500 lines) omitted" in out


def test_context_is_trimmed_to_one_line_around_changes() -> None:
    body = [" a", " b", " c", "-old", "+new", " d", " e", " f", " g", "+added", " h"]
    text = "diff --git a/x b/x\nindex 1..2 100644\n--- a/x\n+++ b/x\n@@ -1,10 +1,11 @@\n" + "\n".join(body)
    out = git_diff.compress(text).split("\n")
    assert out == [
        "diff --git a/x b/x",
        "@@ -1,10 +1,11 @@",
        " c",
        "-old",
        "+new",
        " d",
        "⋯",
        " g",
        "+added",
        " h",
    ]


def test_a_removed_line_that_looks_like_a_header_is_content() -> None:
    text = "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,2 +1,1 @@\n--- not a header\n context\n"
    assert "--- not a header" in git_diff.compress(text)


def test_hunk_and_total_caps_keep_every_header() -> None:
    hunks = []
    for h in range(8):
        hunks.append(f"@@ -{h * 200 + 1},150 +{h * 200 + 1},150 @@ def f{h}():")
        hunks.extend(f"-old {h} {i}\n+new {h} {i}" for i in range(150))
    text = "diff --git a/big b/big\n--- a/big\n+++ b/big\n" + "\n".join(hunks)
    out = git_diff.compress(text)
    for h in range(8):
        assert f"def f{h}():" in out
    lines = out.split("\n")
    assert len(lines) < git_diff.TOTAL_LINES + 20
    assert "lines of this hunk omitted" in out and "hunk bodies" in out


def test_a_hunk_claiming_too_many_lines_does_not_swallow_the_next_file() -> None:
    text = "diff --git a/x b/x\n@@ -1,50 +1,50 @@\n-a\n+b\ndiff --git a/y b/y\n@@ -3,2 +3,2 @@\n-c\n+d\n"
    out = git_diff.compress(text)
    assert "diff --git a/y b/y" in out and "@@ -3,2 +3,2 @@" in out and "+d" in out
