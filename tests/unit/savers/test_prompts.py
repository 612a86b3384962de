"""Caveman and Ponytail go at the end of the system prompt, in the same place every turn."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.records import WireFormat
from app.savers.options import Level, Saver, SaverOptions
from app.savers.prompts import CAVEMAN, PONYTAIL, addition, inject

TEXT = "Be brief."


def test_addition_per_options() -> None:
    assert addition(SaverOptions()) == ""
    both = SaverOptions(savers=frozenset({Saver.CAVEMAN, Saver.PONYTAIL}), level=Level.LITE)
    assert addition(both) == f"{CAVEMAN[Level.LITE]}\n{PONYTAIL[Level.LITE]}"
    assert addition(SaverOptions(enabled=False, savers=frozenset({Saver.CAVEMAN}))) == ""


def test_every_level_has_distinct_texts_that_keep_code_exact() -> None:
    for table in (CAVEMAN, PONYTAIL):
        assert set(table) == set(Level) and len(set(table.values())) == 3
        assert all("exact" in text for text in table.values())


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, {"system": TEXT}),
        ({"system": "Sys."}, {"system": f"Sys.\n\n{TEXT}"}),
        (
            {"system": [{"type": "text", "text": "Sys.", "cache_control": {"type": "ephemeral"}}]},
            {
                "system": [
                    {"type": "text", "text": "Sys.", "cache_control": {"type": "ephemeral"}},
                    {"type": "text", "text": TEXT},
                ]
            },
        ),
    ],
)
def test_anthropic(body: dict[str, Any], expected: dict[str, Any]) -> None:
    assert inject(body, WireFormat.ANTHROPIC, TEXT) == expected


def test_anthropic_adds_no_cache_mark() -> None:
    marks = [{"type": "text", "text": str(i), "cache_control": {"type": "ephemeral"}} for i in range(4)]
    out = inject({"system": marks}, WireFormat.ANTHROPIC, TEXT)
    assert out is not None and sum("cache_control" in block for block in out["system"]) == 4


@pytest.mark.parametrize(
    ("messages", "expected_first"),
    [
        ([{"role": "user", "content": "hi"}], {"role": "system", "content": TEXT}),
        ([{"role": "system", "content": "Sys."}], {"role": "system", "content": f"Sys.\n\n{TEXT}"}),
        (
            [{"role": "developer", "content": [{"type": "text", "text": "Dev."}]}],
            {
                "role": "developer",
                "content": [{"type": "text", "text": "Dev."}, {"type": "text", "text": TEXT}],
            },
        ),
    ],
)
def test_openai(messages: list[dict[str, Any]], expected_first: dict[str, Any]) -> None:
    out = inject({"messages": messages}, WireFormat.OPENAI, TEXT)
    assert out is not None and out["messages"][0] == expected_first
    assert out["messages"][-1] == messages[-1] or len(messages) == 1


def test_responses_and_gemini() -> None:
    assert inject({}, WireFormat.RESPONSES, TEXT) == {"instructions": TEXT}
    assert inject({"instructions": "Codex."}, WireFormat.RESPONSES, TEXT) == {
        "instructions": f"Codex.\n\n{TEXT}"
    }
    assert inject({}, WireFormat.GEMINI, TEXT) == {"systemInstruction": {"parts": [{"text": TEXT}]}}
    snake = inject({"system_instruction": {"parts": [{"text": "G."}]}}, WireFormat.GEMINI, TEXT)
    assert snake == {"system_instruction": {"parts": [{"text": "G."}, {"text": TEXT}]}}


@pytest.mark.parametrize(
    ("fmt", "body"),
    [
        (WireFormat.ANTHROPIC, {"system": 5}),
        (WireFormat.OPENAI, {"messages": "x"}),
        (WireFormat.OPENAI, {"messages": [{"role": "system", "content": 5}]}),
        (WireFormat.RESPONSES, {"instructions": ["x"]}),
        (WireFormat.GEMINI, {"systemInstruction": "x"}),
    ],
)
def test_unknown_shapes_are_left_alone(fmt: WireFormat, body: dict[str, Any]) -> None:
    assert inject(body, fmt, TEXT) is None
