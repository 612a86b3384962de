from __future__ import annotations

import pytest

from app.core.errors import ConfigError
from app.core.records import WireFormat
from app.services import validation


@pytest.mark.parametrize("value", ["openai", "z.ai", "my-llm_2", "0x"])
def test_good_provider_ids(value: str) -> None:
    assert validation.provider_id(value) == value


@pytest.mark.parametrize("value", ["", "OpenAI", "a b", "-x", "a/b", "x" * 65])
def test_bad_provider_ids(value: str) -> None:
    with pytest.raises(ConfigError, match="invalid provider id"):
        validation.provider_id(value)


def test_base_url_is_normalised() -> None:
    assert validation.base_url(" https://api.openai.com/v1/ ") == "https://api.openai.com/v1"


@pytest.mark.parametrize(
    "value", ["ftp://x", "api.openai.com", "http://", "https://h/v1?x=1", "http://h:99999/v1"]
)
def test_bad_base_urls(value: str) -> None:
    with pytest.raises(ConfigError, match="invalid base URL"):
        validation.base_url(value)


def test_wire_formats() -> None:
    assert validation.wire_format("anthropic") is WireFormat.ANTHROPIC
    with pytest.raises(ConfigError, match="choose one of openai, responses, anthropic, gemini"):
        validation.wire_format("cohere")


def test_models_are_deduplicated_in_order() -> None:
    assert validation.models("b, a,,b ") == ("b", "a")
    assert validation.models(None) == ()
    with pytest.raises(ConfigError):
        validation.models("a b")


def test_proxy_urls() -> None:
    assert validation.proxy_url("socks5://127.0.0.1:1080") == "socks5://127.0.0.1:1080"
    assert validation.proxy_url("") is None
    with pytest.raises(ConfigError, match="invalid proxy URL"):
        validation.proxy_url("gopher://x")


def test_secret_is_trimmed_and_must_not_be_empty() -> None:
    assert validation.secret("  sk-abc\n") == "sk-abc"
    with pytest.raises(ConfigError, match="empty"):
        validation.secret(" \n")
    with pytest.raises(ConfigError, match="whitespace"):
        validation.secret("sk a")
