"""Where provider keys live. The database holds only a reference to them.

A reference is "keyring:<uuid4>" for a secret the app stored, or "env:<NAME>" for a key the operator
keeps in an environment variable (see resolver.py).
"""

from __future__ import annotations

import uuid
from typing import Protocol

from app.core.errors import ConfigError

KEYRING_PREFIX = "keyring:"


class SecretStore(Protocol):
    def put(self, value: str) -> str:
        """Store a secret under a new reference and return that reference."""
        ...

    def get(self, ref: str) -> str:
        """The secret behind `ref`; SecretMissing if there is none."""
        ...

    def delete(self, ref: str) -> None:
        """Forget the secret; no error if it is already gone."""
        ...

    def backend_name(self) -> str: ...

    def available(self) -> bool:
        """Whether put/get can be expected to work (without touching any secret)."""
        ...


def new_keyring_ref() -> str:
    # Random, so a reference says nothing about the provider, the account or the key.
    return f"{KEYRING_PREFIX}{uuid.uuid4()}"


def keyring_id(ref: str) -> str:
    """The id part of a "keyring:<id>" reference (ConfigError for anything else)."""
    if not ref.startswith(KEYRING_PREFIX) or len(ref) == len(KEYRING_PREFIX):
        # The text is not echoed: a broken row might hold a raw key instead of a reference.
        raise ConfigError("not a keyring secret reference (expected 'keyring:<id>')")
    return ref[len(KEYRING_PREFIX) :]


def require_value(value: str) -> None:
    if not value:
        raise ConfigError("refusing to store an empty secret")
