from __future__ import annotations

import pytest

from app.core.errors import ConfigError, SecretMissing
from app.credentials.memory_store import MemorySecretStore
from app.credentials.resolver import SecretResolver, env_ref


def test_env_ref_builds_a_reference() -> None:
    assert env_ref("OPENAI_API_KEY") == "env:OPENAI_API_KEY"
    assert env_ref("_x1") == "env:_x1"


@pytest.mark.parametrize("name", ["", "1ABC", "A-B", "A B", "sk-proj-abc123", "A=B", "ÄBC", "X\n"])
def test_env_ref_rejects_invalid_names_without_echoing_them(name: str) -> None:
    with pytest.raises(ConfigError) as caught:
        env_ref(name)
    assert "NAME of the variable" in str(caught.value)
    if name.strip():
        assert name not in str(caught.value)


def test_resolves_env_references() -> None:
    resolver = SecretResolver(MemorySecretStore(), {"OPENAI_KEY": "sk-from-env"})
    assert resolver.resolve("env:OPENAI_KEY") == "sk-from-env"


@pytest.mark.parametrize("environ", [{}, {"OPENAI_KEY": ""}])
def test_missing_or_empty_variable_names_the_variable(environ: dict[str, str]) -> None:
    resolver = SecretResolver(MemorySecretStore(), environ)
    with pytest.raises(SecretMissing, match="environment variable OPENAI_KEY is not set"):
        resolver.resolve("env:OPENAI_KEY")


def test_resolves_keyring_references_through_the_store() -> None:
    store = MemorySecretStore()
    ref = store.put("sk-in-keyring")
    resolver = SecretResolver(store, {})
    assert resolver.resolve(ref) == "sk-in-keyring"
    store.delete(ref)
    with pytest.raises(SecretMissing):
        resolver.resolve(ref)


def test_unknown_reference_kind_is_a_config_error_that_does_not_echo_it() -> None:
    resolver = SecretResolver(MemorySecretStore(), {})
    with pytest.raises(ConfigError) as caught:
        resolver.resolve("sk-raw-key-stored-by-mistake")
    assert "sk-raw-key-stored-by-mistake" not in str(caught.value)
    with pytest.raises(ConfigError):
        resolver.resolve("env:not-a-name")
