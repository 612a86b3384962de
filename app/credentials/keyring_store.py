"""The OS keyring (macOS Keychain, Windows Credential Locker, Secret Service on Linux) as SecretStore.

There is deliberately no plaintext fallback: when no usable keyring exists, every call raises
SecretStoreUnavailable explaining how to get one, or how to run without one (keys in environment
variables). Secret values never appear in exception messages or logs.
"""

from __future__ import annotations

import logging

import keyring
import keyring.backends.chainer
import keyring.backends.fail
import keyring.errors
from keyring.backend import KeyringBackend

from app.core.errors import SecretMissing, SecretStoreUnavailable
from app.credentials.secret_store import keyring_id, new_keyring_ref, require_value

_log = logging.getLogger(__name__)

WHAT_TO_DO = (
    "On a desktop, install and unlock the system keyring: on Linux a Secret Service provider such as "
    "gnome-keyring or KWallet (unlocked at login); macOS Keychain and Windows Credential Locker work out "
    "of the box. On a server, run `vansroute serve --headless` with the provider key in an environment "
    "variable and add the account with `--key-env VARNAME`. VansRoute never stores keys in plain text."
)


def _unavailable(reason: str) -> SecretStoreUnavailable:
    return SecretStoreUnavailable(f"No usable system keyring ({reason}). {WHAT_TO_DO}")


def _describe_backend(backend: KeyringBackend) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__name__}"


def _unusable_reason(backend: KeyringBackend) -> str | None:
    if isinstance(backend, keyring.backends.fail.Keyring):
        return "keyring found no backend on this system"
    if isinstance(backend, keyring.backends.chainer.ChainerBackend) and not backend.backends:
        # An empty chainer silently ignores writes: a stored key would be lost without an error.
        return "keyring's backend chain is empty"
    return None


class KeyringSecretStore:
    def __init__(self, service: str = "VansRoute") -> None:
        self._service = service

    def _backend(self) -> KeyringBackend:
        # Looked up on each call, so a keyring unlocked or configured after start-up is picked up.
        backend = keyring.get_keyring()
        reason = _unusable_reason(backend)
        if reason is not None:
            raise _unavailable(reason)
        return backend

    def put(self, value: str) -> str:
        require_value(value)
        backend = self._backend()
        ref = new_keyring_ref()
        try:
            backend.set_password(self._service, keyring_id(ref), value)
        except Exception as exc:
            # `from None`: the original exception could carry the arguments of the call, value included.
            raise _map_error(exc, "store a secret") from None
        return ref

    def get(self, ref: str) -> str:
        username = keyring_id(ref)
        backend = self._backend()
        try:
            value = backend.get_password(self._service, username)
        except Exception as exc:
            raise _map_error(exc, "read a secret") from None
        if value is None:
            raise SecretMissing(
                f"secret {ref} is not in the system keyring ({_describe_backend(backend)}); "
                "add the account's key again"
            )
        return value

    def delete(self, ref: str) -> None:
        username = keyring_id(ref)
        backend = self._backend()
        try:
            backend.delete_password(self._service, username)
        except keyring.errors.PasswordDeleteError:
            # Already gone: deleting is idempotent.
            return
        except Exception as exc:
            raise _map_error(exc, "delete a secret") from None

    def backend_name(self) -> str:
        return _describe_backend(keyring.get_keyring())

    def available(self) -> bool:
        return _unusable_reason(keyring.get_keyring()) is None


def _map_error(exc: Exception, action: str) -> SecretStoreUnavailable:
    # Only the exception's type is reported: its text is produced by third-party code and is not
    # guaranteed to leave the secret out.
    if isinstance(exc, keyring.errors.KeyringLocked):
        reason = f"the keyring is locked; could not {action}"
    elif isinstance(exc, keyring.errors.NoKeyringError):
        reason = f"keyring found no backend; could not {action}"
    elif isinstance(exc, keyring.errors.KeyringError):
        reason = f"could not {action}: {type(exc).__name__}"
    else:
        reason = f"unexpected keyring failure; could not {action}: {type(exc).__name__}"
    _log.warning("keyring error while trying to %s: %s", action, type(exc).__name__)
    return _unavailable(reason)
