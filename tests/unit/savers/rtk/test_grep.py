from __future__ import annotations

from app.savers.rtk import grep


def test_real_grep_groups_matches_under_each_file(tool_outputs: dict[str, tuple[str, str]]) -> None:
    text = tool_outputs["grep"][1]
    out = grep.compress(text)
    files = {line.split(":", 1)[0] for line in text.splitlines()}
    for path in files:
        assert path in out
    assert out.count("src/pkg/mod3.py") == 1
    assert "(12)" in out and "… +2 more" in out  # 12 matches a file, 10 shown
    assert len(out) < len(text)


def test_lines_without_a_path_and_long_matches() -> None:
    text = "a.py:1:" + "x" * 500 + "\nBinary file b.bin matches\nc.py:something\n"
    out = grep.compress(text)
    assert "(+" in out and "Binary file b.bin matches" in out and "c.py\n  something" in out
