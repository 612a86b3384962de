from __future__ import annotations

import pytest

from app.core.records import WireFormat
from app.providers.auth import auth_headers
from app.providers.catalog import AuthScheme, Category, builtin_catalog
from app.providers.profile import DEFAULT_PROFILE, profile_for, upstream_url

CATALOG = builtin_catalog()


def test_a_catalogue_provider_brings_its_auth_query_and_quota_kind() -> None:
    azure = profile_for(
        CATALOG, "azure", WireFormat.OPENAI, "https://r.openai.azure.com/openai/deployments/d"
    )
    assert azure.auth is AuthScheme.API_KEY
    assert azure.query.startswith("api-version=")
    assert azure.catalog_id == "azure"
    kimchi = profile_for(CATALOG, "kimchi", WireFormat.OPENAI, "https://api.example/v1")
    assert kimchi.monthly_quota
    assert not profile_for(CATALOG, "openai", WireFormat.OPENAI, "https://api.openai.com/v1").monthly_quota


def test_an_alias_finds_the_catalogue_entry() -> None:
    assert profile_for(CATALOG, "azure-openai", WireFormat.OPENAI, "https://x/openai").catalog_id == "azure"


@pytest.mark.parametrize(
    ("provider_id", "url", "category"),
    [
        ("ollama", "http://localhost:11434/v1", Category.LOCAL),
        ("lmstudio", "http://10.0.0.5:1234/v1", Category.LOCAL),
        ("mine", "http://127.0.0.1:9000/v1", Category.LOCAL),
        ("mine", "https://llm.example/v1", Category.API_KEY),
        ("openai", "http://localhost:8080/v1", Category.LOCAL),  # a catalogue id pointed at a local stub
    ],
)
def test_category(provider_id: str, url: str, category: Category) -> None:
    assert profile_for(CATALOG, provider_id, WireFormat.OPENAI, url).category is category


def test_a_catalogue_provider_retyped_to_another_format_gets_only_the_format_defaults() -> None:
    profile = profile_for(CATALOG, "azure", WireFormat.ANTHROPIC, "https://proxy.example")
    assert profile.auth is None and profile.query == "" and profile.catalog_id is None


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/chat/completions", "https://h/d/chat/completions?api-version=1"),
        (":streamGenerateContent?alt=sse", "https://h/d:streamGenerateContent?alt=sse&api-version=1"),
    ],
)
def test_the_query_joins_whatever_the_path_carries(path: str, expected: str) -> None:
    profile = profile_for(CATALOG, "azure", WireFormat.OPENAI, "https://h/d")
    assert upstream_url("https://h/d", path, profile.__class__(query="api-version=1")) == expected
    assert upstream_url("https://h/d", path, DEFAULT_PROFILE) == "https://h/d" + path


@pytest.mark.parametrize(
    ("fmt", "scheme", "expected"),
    [
        (WireFormat.OPENAI, None, {"Authorization": "Bearer k"}),
        (WireFormat.RESPONSES, None, {"Authorization": "Bearer k"}),
        (WireFormat.ANTHROPIC, None, {"x-api-key": "k", "anthropic-version": "2023-06-01"}),
        (WireFormat.GEMINI, None, {"x-goog-api-key": "k"}),
        (WireFormat.OPENAI, AuthScheme.API_KEY, {"api-key": "k"}),
        (WireFormat.OPENAI, AuthScheme.NONE, {"Authorization": "Bearer k"}),
    ],
)
def test_auth_headers(fmt: WireFormat, scheme: AuthScheme | None, expected: dict[str, str]) -> None:
    assert auth_headers(fmt, "k", scheme) == expected


def test_no_key_sends_no_auth_header() -> None:
    assert auth_headers(WireFormat.OPENAI, "", AuthScheme.NONE) == {}
    assert auth_headers(WireFormat.ANTHROPIC, "", AuthScheme.NONE) == {"anthropic-version": "2023-06-01"}
