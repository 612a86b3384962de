"""Turns a secret reference from the database into the secret, at snapshot-build time (never per request)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from app.core.errors import ConfigError, SecretMissing
from app.credentials.secret_store import KEYRING_PREFIX, SecretStore

ENV_PREFIX = "env:"
# An account that needs no key (a local model server): resolves to the empty string.
NO_KEY_REF = "none:"
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def env_ref(name: str) -> str:
    """The reference for a key kept in environment variable `name` (validated)."""
    if not _ENV_NAME.fullmatch(name):
        # The rejected text is not echoed: a common slip is pasting the key itself here.
        raise ConfigError(
            "invalid environment variable name: give the NAME of the variable that holds the key "
            "(letters, digits and '_', not starting with a digit), not the key itself"
        )
    return f"{ENV_PREFIX}{name}"


class SecretResolver:
    def __init__(self, store: SecretStore, environ: Mapping[str, str]) -> None:
        self._store = store
        self._environ = environ

    def resolve(self, ref: str) -> str:
        if ref == NO_KEY_REF:
            return ""
        if ref.startswith(ENV_PREFIX):
            name = ref[len(ENV_PREFIX) :]
            env_ref(name)
            value = self._environ.get(name, "")
            if not value:
                raise SecretMissing(f"environment variable {name} is not set or empty")
            return value
        if ref.startswith(KEYRING_PREFIX):
            return self._store.get(ref)
        # Not echoed either: a broken row might hold a raw key instead of a reference.
        raise ConfigError("unknown kind of secret reference: expected 'keyring:<id>' or 'env:<NAME>'")
