"""The catalogue decides how a provider is called: Azure's `api-key` header and `api-version` query,
and no key at all for a local server (the local breaker profile: tests/unit/services)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import openai
import pytest

from app.services.admin import KeySource
from tests.component.conftest import Gateway, start_gateway
from tests.fakes.azure_upstream import FakeAzureOpenAI
from tests.fakes.openai_upstream import FakeOpenAI

MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.fixture
async def gw(tmp_path: Path) -> AsyncIterator[Gateway]:
    gateway = await start_gateway(tmp_path)
    try:
        yield gateway
    finally:
        await gateway.runtime.stop()
        gateway.store.db.close()


async def chat(gw: Gateway, model: str) -> str:
    async with openai.AsyncOpenAI(base_url=gw.v1, api_key=gw.key, max_retries=0) as c:
        answer = await c.chat.completions.create(model=model, messages=MESSAGES)  # type: ignore[arg-type]
    return answer.choices[0].message.content or ""


async def test_azure_gets_its_api_key_header_and_api_version(gw: Gateway) -> None:
    async with FakeAzureOpenAI(deployments=("gpt5",), api_key="az-secret") as azure:
        entry = gw.admin.catalog_entry("azure")
        # The user fills in the template the way `vansroute providers catalog azure` tells them to;
        # the fake stands in for https://{resource}.openai.azure.com.
        base = entry.base_url.replace(
            "https://{resource}.openai.azure.com", azure.base_url.removesuffix("/v1")
        )
        gw.admin.add_known_provider(
            "azure",
            wire_format=None,
            base_url=base.replace("{deployment}", "gpt5"),
            models=None,
            key=KeySource(value="az-secret"),
        )
        await gw.wait_for_config()
        assert await chat(gw, "azure/gpt5")
        sent = azure.chat_requests[-1]
        assert sent.path == "/openai/deployments/gpt5/chat/completions"
        assert sent.query["api-version"] == entry.query["api-version"]
        assert sent.header("api-key") == "az-secret"
        assert sent.header("Authorization") is None


async def test_a_local_server_is_called_without_a_key(gw: Gateway) -> None:
    async with FakeOpenAI(models=("qwen3-coder:30b",), api_key=None) as ollama:
        gw.admin.add_known_provider(
            "ollama", wire_format=None, base_url=ollama.base_url, models=None, key=KeySource(none=True)
        )
        await gw.wait_for_config()
        assert await chat(gw, "ollama/qwen3-coder:30b")
        sent = ollama.chat_requests[-1]
        assert sent.header("Authorization") is None
        assert sent.header("api-key") is None


async def test_a_local_server_started_with_a_key_gets_it_as_bearer(gw: Gateway) -> None:
    async with FakeOpenAI(models=("my-model",), api_key="vllm-key") as vllm:
        gw.admin.add_known_provider(
            "vllm", wire_format=None, base_url=vllm.base_url, models=None, key=KeySource(value="vllm-key")
        )
        await gw.wait_for_config()
        assert await chat(gw, "vllm/my-model")
        assert vllm.chat_requests[-1].header("Authorization") == "Bearer vllm-key"
