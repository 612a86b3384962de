"""apply_savers in every wire format: what changes, what does not, and that a conversation's prefix
stays byte-identical from one turn to the next."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import pytest

from app.core.records import WireFormat
from app.savers import Level, Saver, SaverOptions, apply_savers
from app.savers.prompts import CAVEMAN

RTK_AND_CAVEMAN = SaverOptions(savers=frozenset({Saver.RTK, Saver.CAVEMAN}), level=Level.FULL)
ALL_FORMATS = list(WireFormat)

Turn = tuple[str, str]  # (command, output)


# --------------------------------------------------------------------------- conversations


def anthropic(turns: list[Turn]) -> dict[str, Any]:
    messages: list[dict[str, Any]] = [{"role": "user", "content": "Review the project."}]
    for i, (command, output) in enumerate(turns):
        messages.append(
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": f"Step {i}."},
                    {"type": "tool_use", "id": f"toolu_{i}", "name": "Bash", "input": {"command": command}},
                ],
            }
        )
        messages.append(
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": f"toolu_{i}", "content": output}],
            }
        )
    return {
        "model": "claude-sonnet-4-5",
        "max_tokens": 1000,
        "system": [
            {"type": "text", "text": "You are a coding agent.", "cache_control": {"type": "ephemeral"}}
        ],
        "messages": messages,
    }


def openai(turns: list[Turn]) -> dict[str, Any]:
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "You are a coding agent."},
        {"role": "user", "content": "Review the project."},
    ]
    for i, (command, output) in enumerate(turns):
        arguments = orjson.dumps({"command": command}).decode()
        messages.append(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": f"call_{i}",
                        "type": "function",
                        "function": {"name": "bash", "arguments": arguments},
                    }
                ],
            }
        )
        messages.append({"role": "tool", "tool_call_id": f"call_{i}", "content": output})
    return {"model": "gpt-5", "messages": messages}


def responses(turns: list[Turn]) -> dict[str, Any]:
    items: list[dict[str, Any]] = [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Review."}]}
    ]
    for i, (command, output) in enumerate(turns):
        # Codex: argv in `command`, the output wrapped in an exit-code header.
        arguments = orjson.dumps({"command": ["bash", "-lc", command]}).decode()
        items.append(
            {"type": "function_call", "call_id": f"call_{i}", "name": "shell", "arguments": arguments}
        )
        items.append(
            {
                "type": "function_call_output",
                "call_id": f"call_{i}",
                "output": f"Exit code: 0\nWall time: 0.1 seconds\nOutput:\n{output}",
            }
        )
    return {"model": "gpt-5-codex", "instructions": "You are Codex.", "input": items}


def shell(command: str, output: str) -> str:
    """Gemini CLI's run_shell_command result."""
    return (
        f"Command: {command}\nDirectory: (root)\nOutput: {output.rstrip()}\nError: (none)\nExit Code: 0\n"
        "Signal: (none)\nBackground PIDs: (none)\nProcess Group PGID: 4242"
    )


def gemini(turns: list[Turn]) -> dict[str, Any]:
    contents: list[dict[str, Any]] = [{"role": "user", "parts": [{"text": "Review the project."}]}]
    for command, output in turns:
        contents.append(
            {
                "role": "model",
                "parts": [{"functionCall": {"name": "run_shell_command", "args": {"command": command}}}],
            }
        )
        contents.append(
            {
                "role": "user",
                "parts": [
                    {
                        "functionResponse": {
                            "name": "run_shell_command",
                            "response": {"output": shell(command, output)},
                        }
                    }
                ],
            }
        )
    return {"contents": contents, "systemInstruction": {"parts": [{"text": "You are Gemini CLI."}]}}


BUILDERS: dict[WireFormat, Callable[[list[Turn]], dict[str, Any]]] = {
    WireFormat.ANTHROPIC: anthropic,
    WireFormat.OPENAI: openai,
    WireFormat.RESPONSES: responses,
    WireFormat.GEMINI: gemini,
}
HISTORY_KEY = {
    WireFormat.ANTHROPIC: "messages",
    WireFormat.OPENAI: "messages",
    WireFormat.RESPONSES: "input",
    WireFormat.GEMINI: "contents",
}
SYSTEM_KEY = {
    WireFormat.ANTHROPIC: "system",
    WireFormat.OPENAI: "messages",  # the first message
    WireFormat.RESPONSES: "instructions",
    WireFormat.GEMINI: "systemInstruction",
}


def tool_texts(body: dict[str, Any], fmt: WireFormat) -> list[str]:
    """Every tool result text in a body, in order."""
    history = body[HISTORY_KEY[fmt]]
    if fmt is WireFormat.ANTHROPIC:
        return [
            b["content"]
            for m in history
            if isinstance(m["content"], list)
            for b in m["content"]
            if b["type"] == "tool_result"
        ]
    if fmt is WireFormat.OPENAI:
        return [m["content"] for m in history if m["role"] == "tool"]
    if fmt is WireFormat.RESPONSES:
        return [i["output"] for i in history if i["type"] == "function_call_output"]
    return [
        p["functionResponse"]["response"]["output"]
        for c in history
        for p in c["parts"]
        if "functionResponse" in p
    ]


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_each_turn_starts_with_exactly_the_previous_turns_output(
    fmt: WireFormat, tool_outputs: dict[str, tuple[str, str]]
) -> None:
    """The conversation grows by one tool call and result per turn; what the gateway sends on turn
    N+1 must begin with the very bytes it sent on turn N (same messages, same system prompt)."""
    turns = [tool_outputs[name] for name in ("git-status", "git-log-patch", "grep", "find", "ls", "git-log")]
    build = BUILDERS[fmt]
    previous: dict[str, Any] | None = None
    compressed_any = False
    for n in range(1, len(turns) + 1):
        client_body = build(turns[:n])
        snapshot = orjson.dumps(client_body)
        result = apply_savers(client_body, fmt, RTK_AND_CAVEMAN)
        assert orjson.dumps(client_body) == snapshot, "the client's dict must not be modified"
        compressed_any = compressed_any or bool(result.rewrites)
        out = result.body
        if previous is not None:
            key = HISTORY_KEY[fmt]
            before = previous[key]
            assert out[key][: len(before)] == before
            encoded_before = orjson.dumps(before)
            assert orjson.dumps(out[key][: len(before)]) == encoded_before
            assert orjson.dumps(
                out[SYSTEM_KEY[fmt]] if fmt is not WireFormat.OPENAI else out[key][0]
            ) == orjson.dumps(previous[SYSTEM_KEY[fmt]] if fmt is not WireFormat.OPENAI else before[0])
        previous = out
    assert compressed_any


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_tool_results_shrink_and_others_stay(
    fmt: WireFormat, tool_outputs: dict[str, tuple[str, str]]
) -> None:
    turns = [tool_outputs["git-log-patch"], tool_outputs["find"]]
    body = BUILDERS[fmt](turns)
    result = apply_savers(body, fmt, SaverOptions())
    assert result.changed
    assert {r.kind for r in result.rewrites} == {"git-diff", "find"}
    assert result.chars_after < result.chars_before
    for old, new in zip(tool_texts(body, fmt), tool_texts(result.body, fmt), strict=True):
        assert 0 < len(new) < len(old)
    # Everything but the tool results is untouched.
    strip = {k: v for k, v in body.items() if k != HISTORY_KEY[fmt]}
    assert {k: v for k, v in result.body.items() if k != HISTORY_KEY[fmt]} == strip


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_off_returns_the_clients_own_dict(fmt: WireFormat, tool_outputs: dict[str, tuple[str, str]]) -> None:
    body = BUILDERS[fmt]([tool_outputs["git-log-patch"]])
    for options in (SaverOptions.off(), SaverOptions(enabled=False), SaverOptions(savers=frozenset())):
        result = apply_savers(body, fmt, options)
        assert result.body is body and not result.changed and result.rewrites == ()


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_nothing_to_do_is_reported_unchanged(fmt: WireFormat) -> None:
    body = BUILDERS[fmt]([("ls", "a.txt\nb.txt\n")])  # under 500 characters: left alone
    result = apply_savers(body, fmt, SaverOptions())
    assert result.body is body and not result.changed


def test_prompt_only_options_change_only_the_system_prompt(tool_outputs: dict[str, tuple[str, str]]) -> None:
    body = anthropic([tool_outputs["git-log-patch"]])
    result = apply_savers(
        body, WireFormat.ANTHROPIC, SaverOptions(savers=frozenset({Saver.CAVEMAN}), level=Level.ULTRA)
    )
    assert result.changed and result.rewrites == ()
    assert result.body["messages"] == body["messages"]
    assert result.body["system"][-1] == {"type": "text", "text": CAVEMAN[Level.ULTRA]}
    assert result.prompt_added == CAVEMAN[Level.ULTRA]


def test_anthropic_error_results_are_left_alone(tool_outputs: dict[str, tuple[str, str]]) -> None:
    body = anthropic([tool_outputs["git-log-patch"]])
    body["messages"][-1]["content"][0]["is_error"] = True
    assert not apply_savers(body, WireFormat.ANTHROPIC, SaverOptions()).changed


def test_codex_failed_exit_code_makes_an_error_result(tool_outputs: dict[str, tuple[str, str]]) -> None:
    body = responses([tool_outputs["git-log-patch"]])
    item = body["input"][-1]
    item["output"] = item["output"].replace("Exit code: 0", "Exit code: 128")
    assert not apply_savers(body, WireFormat.RESPONSES, SaverOptions()).changed


def test_codex_header_is_kept_and_only_the_output_compressed(
    tool_outputs: dict[str, tuple[str, str]],
) -> None:
    body = responses([tool_outputs["git-log-patch"]])
    out = apply_savers(body, WireFormat.RESPONSES, SaverOptions()).body["input"][-1]["output"]
    assert out.startswith("Exit code: 0\nWall time: 0.1 seconds\nOutput:\ncommit ")


def test_codex_json_envelope(tool_outputs: dict[str, tuple[str, str]]) -> None:
    body = responses([tool_outputs["git-log-patch"]])
    inner = tool_outputs["git-log-patch"][1]
    body["input"][-1]["output"] = orjson.dumps({"output": inner, "metadata": {"exit_code": 0}}).decode()
    out = orjson.loads(apply_savers(body, WireFormat.RESPONSES, SaverOptions()).body["input"][-1]["output"])
    assert out["metadata"] == {"exit_code": 0} and 0 < len(out["output"]) < len(inner)


def test_list_shaped_results_are_compressed_part_by_part(tool_outputs: dict[str, tuple[str, str]]) -> None:
    command, output = tool_outputs["git-log-patch"]
    body = anthropic([(command, output)])
    block = body["messages"][-1]["content"][0]
    block["content"] = [
        {"type": "text", "text": output},
        {"type": "image", "source": {"type": "base64", "data": "x"}},
    ]
    out = apply_savers(body, WireFormat.ANTHROPIC, SaverOptions()).body["messages"][-1]["content"][0][
        "content"
    ]
    assert len(out[0]["text"]) < len(output) and out[1] == block["content"][1]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"messages": "not a list"},
        {"messages": [None, 3, "x", {"role": "user", "content": [None, {"type": "tool_result"}]}]},
        {"input": [{"type": "function_call_output", "output": 5}]},
        {"contents": [{"parts": [{"functionResponse": {"response": "not a dict"}}]}]},
        {"system": 5, "instructions": 5, "systemInstruction": "x", "messages": []},
    ],
)
@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_odd_bodies_never_raise(fmt: WireFormat, body: dict[str, Any]) -> None:
    result = apply_savers(body, fmt, RTK_AND_CAVEMAN)
    assert isinstance(result.body, dict)


def test_token_counts_use_the_given_tokenizer(tool_outputs: dict[str, tuple[str, str]]) -> None:
    from app.formats.token_count import count_text

    result = apply_savers(anthropic([tool_outputs["git-log-patch"]]), WireFormat.ANTHROPIC, SaverOptions())
    before, after = result.tokens(count_text)
    assert before == count_text(tool_outputs["git-log-patch"][1]) and 0 < after < before


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_the_result_is_still_a_valid_request_of_its_format(
    fmt: WireFormat, tool_outputs: dict[str, tuple[str, str]]
) -> None:
    """The format's own decoder accepts what the savers send on (system prompt additions included),
    and sees the compressed tool results and the added instructions."""
    from app.formats.ir import TextPart, ToolResultPart
    from app.formats.registry import adapter_for

    body = BUILDERS[fmt]([tool_outputs["git-log-patch"], tool_outputs["grep"]])
    options = SaverOptions(savers=frozenset(Saver), level=Level.LITE)
    result = apply_savers(body, fmt, options)
    request = adapter_for(fmt).decode_request(result.body, model="m", stream=False)
    system = "\n".join(part.text for part in request.system)
    assert result.prompt_added and result.prompt_added in system
    results = [p for m in request.messages for p in m.parts if isinstance(p, ToolResultPart)]
    texts = ["".join(c.text for c in r.content if isinstance(c, TextPart)) for r in results]
    assert texts and all(new in texts for new in tool_texts(result.body, fmt))


def test_a_recorded_claude_code_request_keeps_its_cache_marks() -> None:
    """The real Claude Code request in bench/data: the addition goes after the marked system blocks,
    every cache_control mark stays on its block."""
    from pathlib import Path

    raw = (Path(__file__).parents[3] / "bench" / "data" / "claude_code_request.json").read_bytes()
    body = orjson.loads(raw)
    result = apply_savers(body, WireFormat.ANTHROPIC, RTK_AND_CAVEMAN)
    assert result.body["system"][:-1] == body["system"]
    assert result.body["system"][-1] == {"type": "text", "text": CAVEMAN[Level.FULL]}
    assert result.body["messages"][:-1] == body["messages"][:-1]

    def marks(value: Any) -> int:
        if isinstance(value, dict):
            return ("cache_control" in value) + sum(marks(v) for v in value.values())
        if isinstance(value, list):
            return sum(marks(v) for v in value)
        return 0

    assert marks(result.body) == marks(body)
