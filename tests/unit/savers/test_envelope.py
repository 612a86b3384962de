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


GEMINI_CLI = (
    "Command: git diff\nDirectory: (root)\nOutput: diff --git a/x b/x\n@@ -1 +1 @@\n-a\n+b\n"
    "Error: (none)\nExit Code: {code}\nSignal: (none)\nBackground PIDs: (none)\nProcess Group PGID: 4242"
)


def test_gemini_cli_shell_output() -> None:
    envelope = open_envelope(GEMINI_CLI.format(code=0))
    assert envelope is not None and not envelope.failed
    assert envelope.inner == "diff --git a/x b/x\n@@ -1 +1 @@\n-a\n+b"
    assert envelope.rebuild(envelope.inner) == GEMINI_CLI.format(code=0)
    failed = open_envelope(GEMINI_CLI.format(code=1))
    assert failed is not None and failed.failed


def test_gemini_cli_without_its_trailer_is_not_an_envelope() -> None:
    assert open_envelope("Command: ls\nDirectory: (root)\nOutput: a\nb\n") is None
