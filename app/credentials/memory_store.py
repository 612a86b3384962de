"""A SecretStore in a dict: for tests and `vansroute selftest`, never for real keys."""

from __future__ import annotations

from app.core.errors import SecretMissing
from app.credentials.secret_store import keyring_id, new_keyring_ref, require_value


class MemorySecretStore:
    def __init__(self) -> None:
        self._secrets: dict[str, str] = {}

    def put(self, value: str) -> str:
        require_value(value)
        ref = new_keyring_ref()
        self._secrets[keyring_id(ref)] = value
        return ref

    def get(self, ref: str) -> str:
        try:
            return self._secrets[keyring_id(ref)]
        except KeyError:
            raise SecretMissing(f"secret {ref} not found in the in-memory store") from None

    def delete(self, ref: str) -> None:
        self._secrets.pop(keyring_id(ref), None)

    def backend_name(self) -> str:
        return "memory"

    def available(self) -> bool:
        return True

    def __len__(self) -> int:
        return len(self._secrets)

    def __bool__(self) -> bool:
        # Without this, __len__ makes an empty store falsy, and `secrets or KeyringSecretStore()`
        # would silently swap it for the real keyring.
        return True
