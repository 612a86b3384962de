from __future__ import annotations

import re

import pytest

from app.core.errors import ConfigError, SecretMissing
from app.credentials.memory_store import MemorySecretStore
from app.credentials.secret_store import SecretStore

REF = re.compile(r"keyring:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def test_put_get_delete() -> None:
    store: SecretStore = MemorySecretStore()
    ref = store.put("sk-secret")
    assert REF.fullmatch(ref)
    assert store.get(ref) == "sk-secret"
    store.delete(ref)
    with pytest.raises(SecretMissing) as caught:
        store.get(ref)
    assert "sk-secret" not in str(caught.value)
    # Deleting again is fine.
    store.delete(ref)


def test_each_put_gets_a_new_reference() -> None:
    store = MemorySecretStore()
    assert store.put("same") != store.put("same")
    assert len(store) == 2


def test_an_empty_store_is_truthy() -> None:
    assert MemorySecretStore()


def test_describes_itself() -> None:
    store = MemorySecretStore()
    assert store.backend_name() == "memory"
    assert store.available() is True


def test_rejects_bad_input() -> None:
    store = MemorySecretStore()
    with pytest.raises(ConfigError):
        store.put("")
    with pytest.raises(ConfigError) as caught:
        store.get("sk-live-looks-like-a-key")
    assert "sk-live-looks-like-a-key" not in str(caught.value)
