from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.core.errors import NotFound
from app.core.records import ProviderRecord, WireFormat
from app.store.repos import Store


@pytest.fixture
def account_id(store: Store) -> int:
    store.providers.add(ProviderRecord("p", WireFormat.OPENAI, "https://p/v1"))
    return store.accounts.add("p", "a", "env:K").id


def test_park_and_unpark_survive_in_the_database(store: Store, account_id: int) -> None:
    until = datetime(2027, 1, 1, tzinfo=UTC)
    before = store.config_version()
    parked = store.accounts.park(account_id, until, "quota exhausted")
    assert (parked.parked_until, parked.parked_reason) == (until, "quota exhausted")
    assert store.config_version() > before  # running gateways reload and leave it out
    again = store.accounts.get(account_id)
    assert again is not None and again.parked_until == until
    assert store.accounts.unpark(account_id).parked_until is None


def test_disable_keeps_the_reason_until_enabled(store: Store, account_id: int) -> None:
    disabled = store.accounts.disable(account_id, "upstream rejected the key (401)")
    assert (disabled.enabled, disabled.disabled_reason) == (False, "upstream rejected the key (401)")
    enabled = store.accounts.enable(account_id)
    assert (enabled.enabled, enabled.disabled_reason) == (True, None)


def test_unknown_account(store: Store) -> None:
    with pytest.raises(NotFound):
        store.accounts.park(999, datetime(2027, 1, 1, tzinfo=UTC), "x")
