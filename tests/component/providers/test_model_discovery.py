"""Model discovery as a user sees it: a provider's own list appears in GET /v1/models, merged with
the catalogue's and the combos, filtered by the caller's key, and kept across a restart."""

from __future__ import annotations

import asyncio
from pathlib import Path

import anthropic
import openai

from app.services.admin import KeySource
from app.services.combos import ComboAdmin
from app.services.key_limits import LimitChanges
from tests.component.conftest import Gateway, start_gateway
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.gemini_upstream import FakeGemini
from tests.fakes.openai_upstream import FakeOpenAI

DISCOVERY_ON = {"VANSROUTE_MODELS_REFRESH_HOURS": "6"}


async def listed(gw: Gateway, key: str | None = None) -> set[str]:
    async with openai.AsyncOpenAI(base_url=gw.v1, api_key=key or gw.key, max_retries=0) as c:
        return {m.id async for m in c.models.list()}


async def test_providers_own_lists_are_fetched_merged_and_kept(tmp_path: Path) -> None:
    async with (
        FakeOpenAI(models=("llama-local", "qwen3-coder:30b"), api_key=None) as ollama,
        FakeAnthropic(models=("claude-sonnet-4-5", "claude-new-model"), api_key="ka") as claude,
        FakeGemini(models=("gemini-2.5-pro",), api_key="kg") as gemini,
    ):
        gw = await start_gateway(tmp_path, environ=DISCOVERY_ON)
        try:
            gw.admin.add_known_provider(
                "ollama", wire_format=None, base_url=ollama.base_url, models=None, key=KeySource(none=True)
            )
            gw.admin.add_known_provider(
                "anthropic",
                wire_format=None,
                base_url=claude.base_url,
                models=None,
                key=KeySource(value="ka"),
            )
            gw.admin.add_known_provider(
                "gemini", wire_format=None, base_url=gemini.base_url, models=None, key=KeySource(value="kg")
            )
            ComboAdmin(gw.admin.store).add(
                "coder", "fallback", ["anthropic/claude-new-model", "ollama/llama-local"]
            )
            wanted = {"ollama/llama-local", "anthropic/claude-new-model", "gemini/gemini-2.5-pro"}

            for _ in range(100):  # fetched in the background once the providers appear
                if wanted <= await listed(gw):
                    break
                await asyncio.sleep(0.1)
            models = await listed(gw)
            assert wanted <= models
            assert "combo/coder" in models
            assert "anthropic/claude-opus-4-7" in models  # the catalogue's models are offered too
            # Claude Code asks in Anthropic's shape.
            async with anthropic.AsyncAnthropic(base_url=gw.url, api_key=gw.key, max_retries=0) as a:
                page = await a.models.list(limit=1000)
            assert "anthropic/claude-new-model" in {m.id for m in page.data}

            # A key limited to one provider and no combos sees only that provider's models.
            _, narrow = gw.admin.create_key("narrow", LimitChanges(providers="ollama", combos="none"))
            await gw.wait_for_config()
            assert await listed(gw, narrow) == {"ollama/llama-local", "ollama/qwen3-coder:30b"} | {
                f"ollama/{m.id}" for m in gw.admin.catalog_entry("ollama").models
            }
        finally:
            await gw.runtime.stop()
            gw.store.db.close()

        # After a restart with discovery off, the stored lists still answer.
        again = await start_gateway(tmp_path)
        try:
            assert "anthropic/claude-new-model" in await listed(again)
        finally:
            await again.runtime.stop()
            again.store.db.close()
