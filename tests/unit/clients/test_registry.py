from __future__ import annotations

import pytest

from app.clients import registry
from app.clients.errors import UnknownClient
from app.clients.spec import GatewayTarget, ModelMapping


def test_ids_are_unique_and_aliases_resolve() -> None:
    ids = [s.id for s in registry.CLIENTS]
    assert len(ids) == len(set(ids))
    assert registry.get("Claude").id == "claude-code"
    assert registry.get("gemini").id == "gemini-cli"
    assert registry.get("qwen_code").id == "qwen-code"


def test_an_unknown_tool_names_the_known_ones() -> None:
    with pytest.raises(UnknownClient) as caught:
        registry.get("vim")
    assert "claude-code" in str(caught.value) and "codex" in str(caught.value)


def test_every_tool_has_files_or_values_to_copy() -> None:
    for spec in registry.CLIENTS:
        assert spec.writable != (spec.copy_values is not None), spec.id
        assert spec.key_name == f"tool.{spec.id}"


def test_cursor_gets_values_to_copy() -> None:
    spec = registry.get("cursor")
    assert spec.copy_values is not None
    values = dict(spec.copy_values(GatewayTarget("http://h:1", "vr-k", ModelMapping(default="a/b"))))
    assert values["OpenAI API Key"] == "vr-k"
    assert values["Override OpenAI Base URL"] == "http://h:1/v1"
    assert values["Model name to add"] == "a/b"


def test_the_key_never_shows_in_a_targets_repr() -> None:
    assert "vr-secret" not in repr(GatewayTarget("http://h:1", "vr-secret"))
