from __future__ import annotations

from app.savers.rtk.text import clip, error_lines, omitted


def test_error_lines_ignore_rulers_and_progress() -> None:
    text = "ok\n===== 2 failed, 1 passed =====\nt.py::test_a FAILED     [ 50%]\nerror_kinds.py fine\nnpm ERR! x\n"
    assert error_lines(text) == ["2 failed, 1 passed", "t.py::test_a FAILED", "npm ERR! x"]


def test_clip_and_omitted() -> None:
    assert clip("abcdef", 3) == "abc… (+3 chars)" and clip("abc", 3) == "abc"
    assert omitted(4) == "… 4 lines omitted"


def test_is_error_line_agrees_with_the_pattern() -> None:
    from app.savers.rtk.text import ERROR_LINE, is_error_line

    lines = [
        "error: x",
        "E   assert 1",
        "npm ERR! y",
        "--- FAIL: T",
        "Traceback (most",
        "panic: z",
        "FAILED a",
        "fine",
        "error_kinds.py",
        "Exit code 0",
        "E",
        "  [error] boom",
        "failed to build",
    ]
    for line in lines:
        assert is_error_line(line) == (ERROR_LINE.search(line) is not None), line
