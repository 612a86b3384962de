from __future__ import annotations

from app.savers.rtk import repeats


def test_runs_that_differ_only_in_digits_collapse_to_first_and_last() -> None:
    lines = [f"64 bytes from 127.0.0.1: icmp_seq={i} ttl=64 time=0.0{i} ms" for i in range(1, 21)]
    out = repeats.collapse(["PING 127.0.0.1", *lines, "--- done ---"])
    assert out == ["PING 127.0.0.1", lines[0], "… 18 similar lines", lines[-1], "--- done ---"]


def test_short_runs_and_distinct_lines_stay() -> None:
    lines = ["GET /a 200", "GET /b 200", "GET /c 200", "retry 1", "retry 2", "ok"]
    assert repeats.collapse(lines) == lines
