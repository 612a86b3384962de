"""What a user types for a key's lists, limits and budget."""

from __future__ import annotations

import pytest

from app.core.errors import ConfigError
from app.core.records import AccessList, KeyLimits
from app.services.key_limits import LimitChanges, access_list, budget, limit


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("all", AccessList.everything()),
        ("ALL", AccessList.everything()),
        ("none", AccessList.nothing()),
        ("openai", AccessList(frozenset({"openai"}))),
        (" openai, anthropic ,", AccessList(frozenset({"openai", "anthropic"}))),
    ],
)
def test_access_list(text: str, expected: AccessList) -> None:
    assert access_list(text, "--providers") == expected


@pytest.mark.parametrize("text", ["", " , ", ","])
def test_empty_access_list_is_refused(text: str) -> None:
    with pytest.raises(ConfigError, match="give 'all', 'none' or a comma-separated list"):
        access_list(text, "--providers")


def test_unknown_kind_is_refused_with_the_choices() -> None:
    with pytest.raises(ConfigError, match=r"unknown embeddings \(choose from chat, count_tokens, gemini"):
        LimitChanges(kinds="chat,embeddings").apply(KeyLimits())


def test_limits_and_budget() -> None:
    assert limit("60", "--rpm") == 60
    assert limit("none", "--rpm") is None
    assert budget("$12.50") == 12.5
    assert budget("0") == 0.0
    assert budget("none") is None
    for bad in ("0", "-1", "1.5", "many"):
        with pytest.raises(ConfigError, match="--rpm"):
            limit(bad, "--rpm")
    for bad in ("-1", "nan", "inf", "lots"):
        with pytest.raises(ConfigError, match="monthly budget"):
            budget(bad)


def test_changes_touch_only_what_is_given() -> None:
    start = KeyLimits(requests_per_minute=10, monthly_budget_usd=5.0)
    changed = LimitChanges(providers="openai", max_concurrent="2").apply(start)
    assert changed == KeyLimits(
        providers=AccessList(frozenset({"openai"})),
        requests_per_minute=10,
        max_concurrent=2,
        monthly_budget_usd=5.0,
    )
    cleared = LimitChanges(requests_per_minute="none", monthly_budget_usd="none", providers="all").apply(
        changed
    )
    assert cleared == KeyLimits(max_concurrent=2)
    assert LimitChanges().empty and not LimitChanges(combos="none").empty
