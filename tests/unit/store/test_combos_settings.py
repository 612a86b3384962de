from __future__ import annotations

import pytest

from app.core.errors import AlreadyExists, NotFound
from app.core.records import ComboRecord
from app.store.repos import Store


def test_add_list_get_remove_combo(store: Store) -> None:
    fast = ComboRecord("fast", "fallback", ("openai/gpt-a", "claude/sonnet"))
    all_ = ComboRecord("all", "round-robin", ("x/y",), enabled=False)
    assert store.combos.add(fast) == fast
    store.combos.add(all_)
    assert store.combos.list() == (all_, fast)
    assert store.combos.get("fast") == fast
    assert store.combos.get("nope") is None
    assert store.combos.remove("fast") == fast
    assert store.combos.list() == (all_,)


def test_combo_errors(store: Store) -> None:
    combo = ComboRecord("fast", "fallback", ())
    store.combos.add(combo)
    with pytest.raises(AlreadyExists, match="combo 'fast' already exists"):
        store.combos.add(combo)
    with pytest.raises(NotFound, match="combo 'slow' not found"):
        store.combos.remove("slow")


def test_combo_targets_keep_their_order(store: Store) -> None:
    targets = tuple(f"p{i}/m" for i in (3, 1, 2))
    store.combos.add(ComboRecord("c", "fallback", targets))
    assert store.combos.list()[0].targets == targets


def test_settings(store: Store) -> None:
    assert store.settings.get("port") is None
    assert store.settings.all() == {}
    store.settings.set("port", "20128")
    store.settings.set("host", "127.0.0.1")
    store.settings.set("port", "8080")
    assert store.settings.get("port") == "8080"
    assert store.settings.all() == {"host": "127.0.0.1", "port": "8080"}
    store.settings.set("empty", "")
    assert store.settings.get("empty") == ""
