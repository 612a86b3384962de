from __future__ import annotations

from app.savers.rtk.text import clip, error_lines, omitted


def test_error_lines_ignore_rulers_and_progress() -> None:
    text = "ok\n===== 2 failed, 1 passed =====\nt.py::test_a FAILED     [ 50%]\nerror_kinds.py fine\nnpm ERR! x\n"
    assert error_lines(text) == ["2 failed, 1 passed", "t.py::test_a FAILED", "npm ERR! x"]


def test_clip_and_omitted() -> None:
    assert clip("abcdef", 3) == "abc… (+3 chars)" and clip("abc", 3) == "abc"
    assert omitted(4) == "… 4 lines omitted"
