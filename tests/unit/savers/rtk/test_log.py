from __future__ import annotations

from app.savers.rtk import log


def test_long_output_keeps_head_tail_and_buried_errors() -> None:
    lines = [f"step {chr(65 + i % 26)}{i % 7} started" for i in range(400)]
    lines[200] = "ERROR: disk full while writing cache"
    out = log.compress("\n".join(lines)).split("\n")
    assert out[: log.HEAD] == lines[: log.HEAD]
    assert out[-log.TAIL :] == lines[-log.TAIL :]
    assert "ERROR: disk full while writing cache" in out
    assert any("lines omitted, error lines among them" in line for line in out)


def test_short_output_is_only_deduplicated() -> None:
    text = "\n".join(["start"] + [f"tick {i}" for i in range(10)] + ["end"])
    assert log.compress(text).split("\n") == ["start", "tick 0", "… 8 similar lines", "tick 9", "end"]
