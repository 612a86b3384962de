from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.core.clock import FakeClock
from app.core.errors import AlreadyExists, NotFound
from app.core.records import AccessList, KeyLimits
from app.store.repos import Store
from tests.unit.store.conftest import CLOCK_START


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def test_add_key(store: Store) -> None:
    record = store.keys.add("laptop", _hash("vr-1"), "vr-1")
    assert record.name == "laptop"
    assert record.key_hash == _hash("vr-1")
    assert record.prefix == "vr-1"
    assert record.revoked is False
    assert record.created_at == CLOCK_START
    assert record.last_used_at is None
    assert store.keys.list() == (record,)


def test_only_one_active_key_per_name(store: Store) -> None:
    store.keys.add("laptop", _hash("vr-1"), "vr-1")
    with pytest.raises(AlreadyExists, match="active API key named 'laptop' already exists"):
        store.keys.add("laptop", _hash("vr-2"), "vr-2")


def test_same_hash_twice_is_already_exists(store: Store) -> None:
    store.keys.add("laptop", _hash("vr-1"), "vr-1")
    with pytest.raises(AlreadyExists):
        store.keys.add("desktop", _hash("vr-1"), "vr-1")


def test_revoke_then_reuse_the_name(store: Store, clock: FakeClock) -> None:
    old = store.keys.add("laptop", _hash("vr-1"), "vr-1")
    revoked = store.keys.revoke("laptop")
    assert revoked.id == old.id
    assert revoked.revoked is True
    clock.advance(60)
    new = store.keys.add("laptop", _hash("vr-2"), "vr-2")
    assert new.created_at == CLOCK_START + timedelta(seconds=60)
    assert store.keys.list() == (revoked, new)
    assert store.keys.list(include_revoked=False) == (new,)


def test_revoke_without_active_key_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound, match="no active API key named 'laptop'"):
        store.keys.revoke("laptop")
    store.keys.add("laptop", _hash("vr-1"), "vr-1")
    store.keys.revoke("laptop")
    with pytest.raises(NotFound):
        store.keys.revoke("laptop")


def test_list_keys_orders_by_name_then_id(store: Store) -> None:
    b = store.keys.add("b", _hash("1"), "1")
    a = store.keys.add("a", _hash("2"), "2")
    assert store.keys.list() == (a, b)


def test_touch_last_used_updates_in_one_batch(store: Store) -> None:
    store.keys.add("a", _hash("1"), "1")
    store.keys.add("b", _hash("2"), "2")
    store.keys.add("c", _hash("3"), "3")
    t1 = datetime(2026, 2, 1, 10, 0, tzinfo=UTC)
    # Another zone on the way in; UTC on the way out.
    t2 = datetime(2026, 2, 1, 12, 30, tzinfo=timezone(timedelta(hours=2)))
    store.keys.touch_last_used({_hash("1"): t1, _hash("2"): t2, _hash("unknown"): t1})
    used = {k.name: k.last_used_at for k in store.keys.list()}
    assert used == {"a": t1, "b": t2, "c": None}
    assert used["b"] is not None and used["b"].tzinfo == UTC
    assert used["b"].hour == 10


def test_touch_last_used_never_goes_backwards(store: Store) -> None:
    store.keys.add("a", _hash("1"), "1")
    later = datetime(2026, 2, 1, 10, 0, tzinfo=UTC)
    store.keys.touch_last_used({_hash("1"): later})
    store.keys.touch_last_used({_hash("1"): later - timedelta(hours=1)})
    assert store.keys.list()[0].last_used_at == later


def test_touch_last_used_with_nothing_is_a_no_op(store: Store) -> None:
    store.keys.touch_last_used({})


# --- access lists, limits and budgets --------------------------------------------------------------


def _limits() -> KeyLimits:
    return KeyLimits(
        providers=AccessList(frozenset({"openai", "anthropic"})),
        combos=AccessList.nothing(),
        kinds=AccessList(frozenset({"messages", "count_tokens"})),
        requests_per_minute=60,
        max_concurrent=4,
        monthly_budget_usd=12.5,
    )


def test_a_new_key_allows_everything(store: Store) -> None:
    record = store.keys.add("laptop", _hash("vr-1"), "vr-1")
    assert record.limits == KeyLimits()
    assert record.limits.providers.is_everything


def test_limits_round_trip(store: Store) -> None:
    added = store.keys.add("ci", _hash("vr-2"), "vr-2", _limits())
    assert added.limits == _limits()
    assert store.keys.get("ci").limits == _limits()
    assert store.keys.list() == (added,)


def test_all_none_and_lists_stay_distinct(store: Store) -> None:
    limits = KeyLimits(providers=AccessList.everything(), combos=AccessList.nothing())
    store.keys.add("ci", _hash("vr-2"), "vr-2", limits)
    got = store.keys.get("ci").limits
    assert got.providers.names is None
    assert got.combos.names == frozenset()


def test_set_limits_replaces_them_and_bumps_the_config_version(store: Store) -> None:
    store.keys.add("ci", _hash("vr-2"), "vr-2")
    before = store.config_version()
    changed = store.keys.set_limits("ci", _limits())
    assert changed.limits == _limits()
    assert store.keys.get("ci") == changed
    assert store.config_version() > before
    store.keys.set_limits("ci", KeyLimits())
    assert store.keys.get("ci").limits == KeyLimits()


def test_set_limits_and_get_need_an_active_key(store: Store) -> None:
    store.keys.add("ci", _hash("vr-2"), "vr-2")
    store.keys.revoke("ci")
    with pytest.raises(NotFound):
        store.keys.set_limits("ci", _limits())
    with pytest.raises(NotFound):
        store.keys.get("ci")
