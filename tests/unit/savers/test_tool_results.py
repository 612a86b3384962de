"""Which tool call each tool result is matched with, in each format, and the error flag it gets."""

from __future__ import annotations

from typing import Any

import orjson

from app.core.records import WireFormat
from app.savers.rtk.detect import ToolCall
from app.savers.rtk.engine import Outcome
from app.savers.tool_results import rewrite_tool_results


def seen(body: dict[str, Any], fmt: WireFormat) -> list[tuple[str, ToolCall, bool]]:
    calls: list[tuple[str, ToolCall, bool]] = []

    def record(text: str, call: ToolCall, is_error: bool) -> Outcome:
        calls.append((text, call, is_error))
        return Outcome("seen", text.upper())

    new_body, rewrites = rewrite_tool_results(body, fmt, record)
    assert [r.after for r in rewrites] == [text.upper() for text, _, _ in calls]
    assert new_body is not body and orjson.dumps(new_body) != orjson.dumps(body)
    return calls


def test_anthropic_by_tool_use_id() -> None:
    body = {
        "messages": [
            {
                "role": "assistant",
                "content": [
                    {"type": "tool_use", "id": "a", "name": "Bash", "input": {"command": "git status"}}
                ],
            },
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": "a", "content": "x", "is_error": True},
                    {"type": "tool_result", "tool_use_id": "zz", "content": "y"},
                ],
            },
        ]
    }
    assert seen(body, WireFormat.ANTHROPIC) == [
        ("x", ToolCall("Bash", "git status"), True),
        ("y", ToolCall(), False),
    ]


def test_openai_by_tool_call_id_with_json_arguments() -> None:
    arguments = orjson.dumps({"cmd": "ls -la"}).decode()
    body = {
        "messages": [
            {
                "role": "assistant",
                "tool_calls": [{"id": "c", "function": {"name": "exec_command", "arguments": arguments}}],
            },
            {"role": "tool", "tool_call_id": "c", "content": [{"type": "text", "text": "x"}]},
            {
                "role": "assistant",
                "tool_calls": [{"id": "d", "function": {"name": "f", "arguments": "not json"}}],
            },
            {"role": "tool", "tool_call_id": "d", "content": "y"},
        ]
    }
    assert seen(body, WireFormat.OPENAI) == [
        ("x", ToolCall("exec_command", "ls -la"), False),
        ("y", ToolCall("f", ""), False),
    ]


def test_responses_function_and_local_shell_calls() -> None:
    body = {
        "input": [
            {
                "type": "function_call",
                "call_id": "1",
                "name": "shell",
                "arguments": orjson.dumps({"command": ["bash", "-lc", "make"]}).decode(),
            },
            {"type": "function_call_output", "call_id": "1", "output": [{"type": "input_text", "text": "x"}]},
            {
                "type": "local_shell_call",
                "call_id": "2",
                "action": {"type": "exec", "command": ["git", "diff"]},
            },
            {"type": "local_shell_call_output", "call_id": "2", "output": "y"},
        ]
    }
    assert seen(body, WireFormat.RESPONSES) == [
        ("x", ToolCall("shell", "make"), False),
        ("y", ToolCall("local_shell", "git diff"), False),
    ]


def test_gemini_by_id_then_by_name_and_error_payloads() -> None:
    body = {
        "contents": [
            {
                "role": "model",
                "parts": [
                    {
                        "functionCall": {
                            "id": "g1",
                            "name": "run_shell_command",
                            "args": {"command": "pytest"},
                        }
                    },
                    {"functionCall": {"name": "glob", "args": {"pattern": "*.py"}}},
                ],
            },
            {
                "role": "user",
                "parts": [
                    {
                        "functionResponse": {
                            "id": "g1",
                            "name": "run_shell_command",
                            "response": {"output": "x"},
                        }
                    },
                    {"functionResponse": {"name": "glob", "response": {"content": "y"}}},
                    {"functionResponse": {"name": "glob", "response": {"error": "boom", "output": "z"}}},
                ],
            },
        ]
    }
    assert seen(body, WireFormat.GEMINI) == [
        ("x", ToolCall("run_shell_command", "pytest"), False),
        ("y", ToolCall("glob", ""), False),
        ("z", ToolCall("glob", ""), True),
    ]
