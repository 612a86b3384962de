from __future__ import annotations

import orjson

from app.savers.envelope import open_envelope


def test_codex_text_header() -> None:
    envelope = open_envelope("Exit code: 2\nWall time: 1.2 seconds\nOutput:\nboom\n")
    assert envelope is not None and envelope.failed and envelope.inner == "boom\n"
    assert envelope.rebuild("x") == "Exit code: 2\nWall time: 1.2 seconds\nOutput:\nx"


def test_exec_command_header_success() -> None:
    envelope = open_envelope("Chunk ID: 1\nWall time: 0.1 seconds\nProcess exited with code 0\nOutput:\nok")
    assert envelope is not None and not envelope.failed


def test_json_envelope_keeps_everything_but_the_output() -> None:
    text = orjson.dumps({"output": "long", "metadata": {"exit_code": 0, "duration_seconds": 0.5}}).decode()
    envelope = open_envelope(text)
    assert envelope is not None and not envelope.failed
    assert orjson.loads(envelope.rebuild("short")) == {
        "output": "short",
        "metadata": {"exit_code": 0, "duration_seconds": 0.5},
    }


def test_plain_text_and_broken_json_have_no_envelope() -> None:
    assert open_envelope("diff --git a/x b/x\n") is None
    assert open_envelope('{"output": "unterminated') is None
    assert open_envelope('{"output": 5}') is None
