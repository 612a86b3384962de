from __future__ import annotations

import logging
from collections.abc import Callable

import keyring.backends.chainer
import keyring.backends.fail
import keyring.errors
import pytest
from keyring.backend import KeyringBackend

from app.core.errors import ConfigError, SecretMissing, SecretStoreUnavailable
from app.credentials.keyring_store import KeyringSecretStore
from tests.unit.credentials.conftest import DictKeyring

SECRET = "sk-very-secret-value-123"


def _assert_what_to_do(message: str) -> None:
    assert "Secret Service" in message
    assert "gnome-keyring" in message
    assert "KWallet" in message
    assert "Keychain" in message
    assert "Credential Locker" in message
    assert "vansroute serve --headless" in message
    assert "--key-env VARNAME" in message
    assert SECRET not in message


def test_put_get_delete_round_trip(dict_keyring: DictKeyring) -> None:
    store = KeyringSecretStore()
    ref = store.put(SECRET)
    assert ref.startswith("keyring:")
    (service, username), value = next(iter(dict_keyring.passwords.items()))
    assert (service, f"keyring:{username}", value) == ("VansRoute", ref, SECRET)
    assert store.get(ref) == SECRET
    store.delete(ref)
    assert dict_keyring.passwords == {}
    store.delete(ref)  # already gone: no error


def test_service_name_is_configurable(dict_keyring: DictKeyring) -> None:
    KeyringSecretStore(service="VansRoute-test").put(SECRET)
    assert {service for service, _ in dict_keyring.passwords} == {"VansRoute-test"}


def test_missing_secret(dict_keyring: DictKeyring) -> None:
    with pytest.raises(SecretMissing, match="keyring:nope is not in the system keyring"):
        KeyringSecretStore().get("keyring:nope")


def test_backend_name_and_available(dict_keyring: DictKeyring) -> None:
    store = KeyringSecretStore()
    assert store.backend_name() == f"{DictKeyring.__module__}.DictKeyring"
    assert store.available() is True


def test_bad_reference_and_empty_secret(dict_keyring: DictKeyring) -> None:
    store = KeyringSecretStore()
    with pytest.raises(ConfigError):
        store.get("env:FOO")
    with pytest.raises(ConfigError):
        store.put("")


@pytest.mark.parametrize(
    "backend",
    [keyring.backends.fail.Keyring, keyring.backends.chainer.ChainerBackend],
    ids=["fail", "empty-chainer"],
)
def test_unusable_backend_says_what_to_do(
    use_keyring: Callable[[KeyringBackend], KeyringBackend],
    backend: type[KeyringBackend],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A chainer on this machine might find real backends; make it the empty one the test is about.
    monkeypatch.setattr(keyring.backends.chainer.ChainerBackend, "backends", [])
    use_keyring(backend())
    store = KeyringSecretStore()
    assert store.available() is False
    for call in (
        lambda: store.put(SECRET),
        lambda: store.get("keyring:x"),
        lambda: store.delete("keyring:x"),
    ):
        with pytest.raises(SecretStoreUnavailable) as caught:
            call()
        _assert_what_to_do(str(caught.value))
        assert caught.value.__cause__ is None


class _RaisingKeyring(KeyringBackend):
    priority = 1

    def __init__(self, error: Exception) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.error = error

    def get_password(self, service: str, username: str) -> str | None:
        raise self.error

    def set_password(self, service: str, username: str, password: str) -> None:
        raise self.error

    def delete_password(self, service: str, username: str) -> None:
        raise self.error


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (keyring.errors.KeyringLocked(f"locked while storing {SECRET}"), "the keyring is locked"),
        (keyring.errors.NoKeyringError(f"no keyring for {SECRET}"), "found no backend"),
        (keyring.errors.InitError(f"init failed {SECRET}"), "InitError"),
        (keyring.errors.PasswordSetError(f"cannot set {SECRET}"), "PasswordSetError"),
        (RuntimeError(f"dbus exploded with {SECRET}"), "unexpected keyring failure"),
    ],
)
def test_keyring_errors_become_unavailable_without_the_secret(
    use_keyring: Callable[[KeyringBackend], KeyringBackend],
    caplog: pytest.LogCaptureFixture,
    error: Exception,
    reason: str,
) -> None:
    use_keyring(_RaisingKeyring(error))
    store = KeyringSecretStore()
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(SecretStoreUnavailable) as caught:
            store.put(SECRET)
        message = str(caught.value)
        assert reason in message
        _assert_what_to_do(message)
        # Not chained either: a traceback of the original would print the secret.
        assert caught.value.__cause__ is None
        assert caught.value.__suppress_context__ is True
        with pytest.raises(SecretStoreUnavailable):
            store.get("keyring:x")
    assert SECRET not in caplog.text


def test_delete_of_a_missing_entry_is_quiet(use_keyring: Callable[[KeyringBackend], KeyringBackend]) -> None:
    use_keyring(_RaisingKeyring(keyring.errors.PasswordDeleteError("not found")))
    KeyringSecretStore().delete("keyring:gone")
