"""Prices and limits that stay current, as a user sees them: what a provider's own model list says
about its models is fetched and stored, shown by `vansroute models list`, used for the cost of each
request, and the user's own price wins over it; clearing it falls back again."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import openai
import pytest

from app.cli import build_parser, run_admin
from app.core.records import UsageRecord
from app.providers.catalog import Price
from app.services.admin import KeySource
from app.services.model_facts import ModelFactsAdmin, OverrideChange
from tests.component.conftest import Gateway, start_gateway
from tests.fakes.openai_upstream import Behaviour, FakeOpenAI

DISCOVERY_ON = {"VANSROUTE_MODELS_REFRESH_HOURS": "6"}
USAGE = {"prompt_tokens": 1200, "completion_tokens": 300, "cached_tokens": 200}


async def ask(gw: Gateway, model: str, text: str = "hi") -> None:
    async with openai.AsyncOpenAI(base_url=gw.v1, api_key=gw.key, max_retries=0, timeout=20) as c:
        r = await c.chat.completions.create(model=model, messages=[{"role": "user", "content": text}])
    assert r.choices[0].message.content


async def last_row(gw: Gateway) -> UsageRecord:
    writer = gw.runtime._writer
    assert writer is not None
    await writer.flush()
    return gw.store.usage.recent(1)[0]


async def wait_listed(gw: Gateway, provider_id: str, model: str) -> None:
    for _ in range(100):
        if model in gw.store.discovered.facts().get(provider_id, {}):
            await gw.wait_for_config()
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{provider_id} never listed {model}")


def run(gw: Gateway, *argv: str) -> tuple[int, str, str]:
    """The command as a user types it, against the gateway's data directory."""
    out, err = io.StringIO(), io.StringIO()
    args = build_parser().parse_args([*argv, "--data-dir", str(gw.runtime.config.data_dir)])
    code = run_admin(args, {}, io.StringIO(), out, err)
    return code, out.getvalue(), err.getvalue()


def cli(gw: Gateway, *argv: str) -> str:
    code, out, err = run(gw, *argv)
    assert code == 0, err
    return out


async def test_a_custom_servers_limits_come_from_its_list_and_the_users_price_sets_the_cost(
    tmp_path: Path,
) -> None:
    async with FakeOpenAI(models=("acme-coder",), api_key="k-acme") as acme:
        # vLLM-style: the list states the context the server was started with, and no price.
        acme.listing = {"acme-coder": {"max_model_len": 65536}}
        gw = await start_gateway(tmp_path, environ=DISCOVERY_ON)
        try:
            gw.admin.add_provider(
                "acme",
                wire_format="openai",
                base_url=acme.base_url,
                models=None,
                key=KeySource(value="k-acme"),
            )
            await wait_listed(gw, "acme", "acme-coder")
            (row,) = ModelFactsAdmin(gw.store).rows("acme")
            assert (row.model_id, row.facts.context_window, row.facts.price, row.listed_by) == (
                "acme-coder",
                65536,
                None,
                "provider",
            )
            assert (
                gw.runtime._holder.current.providers["acme"].model_info["acme-coder"].context_window == 65536
            )

            acme.default_behaviour = Behaviour(usage=USAGE)
            await ask(gw, "acme/acme-coder")
            assert (await last_row(gw)).cost_usd is None  # nobody published a price

            # The user knows what they pay (e.g. a negotiated or self-hosted rate).
            said = cli(
                gw, "models", "set", "acme/acme-coder", "--input", "2", "--output", "8", "--cached", "0.5"
            )
            assert "$2 in / $8 out per million tokens" in said
            await gw.wait_for_config()
            await ask(gw, "acme/acme-coder")
            # 1000 uncached at $2, 200 cached at $0.5, 300 out at $8 (per million)
            assert (await last_row(gw)).cost_usd == pytest.approx((1000 * 2 + 200 * 0.5 + 300 * 8) / 1e6)
            listing = cli(gw, "models", "list", "acme")
            assert "yours" in listing and "64K" in listing

            cli(gw, "models", "clear", "acme/acme-coder")
            await gw.wait_for_config()
            await ask(gw, "acme/acme-coder")
            assert (await last_row(gw)).cost_usd is None
        finally:
            await gw.runtime.stop()
            gw.store.db.close()


async def test_bad_overrides_are_refused_plainly(tmp_path: Path) -> None:
    gw = await start_gateway(tmp_path)
    try:
        gw.admin.add_provider(
            "acme",
            wire_format="openai",
            base_url="http://127.0.0.1:9/v1",
            models=None,
            key=KeySource(value="k"),
        )
        for argv, message in (
            (("models", "set", "acme/m", "--input", "1"), "give both --input and --output"),
            (("models", "set", "acme/m", "--input", "-1", "--output", "1"), "between 0 and 10000"),
            (("models", "set", "acme/m", "--context", "0"), "above 0"),
            (("models", "set", "acme/m"), "give a price"),
            (("models", "set", "acme", "--context", "9"), "PROVIDER/MODEL"),
            (("models", "set", "nope/m", "--context", "9"), "no provider 'nope'"),
            (("models", "clear", "acme/m"), "has no facts of yours"),
        ):
            code, _, err = run(gw, *argv)
            assert code != 0, argv
            assert message in err, (argv, err)
            assert "Traceback" not in err
        # A partial change keeps the rest of an earlier override.
        facts = ModelFactsAdmin(gw.store)
        facts.override("acme", "m", OverrideChange(price_input=1.0, price_output=3.0))
        record = facts.override("acme", "m", OverrideChange(context_window=32768))
        assert (record.price_input, record.price_output, record.context_window) == (1.0, 3.0, 32768)
        (row,) = facts.rows("acme")
        assert (row.listed_by, row.facts.price, row.price_from and row.price_from.value) == (
            "yours",
            Price(1.0, 3.0),
            "yours",
        )
    finally:
        await gw.runtime.stop()
        gw.store.db.close()


def openrouter_entry(prompt: str, completion: str, cache_read: str) -> dict[str, object]:
    """One model of OpenRouter's GET /api/v1/models, as documented (prices: USD per token, strings)."""
    return {
        "canonical_slug": "z-ai/glm-4.6",
        "name": "Z.AI: GLM 4.6",
        "context_length": 202752,
        "architecture": {"input_modalities": ["text"], "output_modalities": ["text"], "tokenizer": "Other"},
        "pricing": {
            "prompt": prompt,
            "completion": completion,
            "request": "0",
            "image": "0",
            "input_cache_read": cache_read,
        },
        "top_provider": {"context_length": 202752, "max_completion_tokens": 65536, "is_moderated": False},
        "supported_parameters": ["max_tokens", "temperature", "tools", "tool_choice", "reasoning"],
    }


async def test_an_aggregators_published_prices_set_the_cost_and_follow_its_changes(tmp_path: Path) -> None:
    async with FakeOpenAI(models=("z-ai/glm-4.6",), api_key="k-or") as router:
        router.listing = {"z-ai/glm-4.6": openrouter_entry("0.0000004", "0.00000175", "0.00000008")}
        router.default_behaviour = Behaviour(usage=USAGE)
        gw = await start_gateway(tmp_path, environ=DISCOVERY_ON)
        try:
            gw.admin.add_known_provider(
                "openrouter",
                wire_format=None,
                base_url=router.base_url,
                models=None,
                key=KeySource(value="k-or"),
            )
            await wait_listed(gw, "openrouter", "z-ai/glm-4.6")
            info = gw.runtime._holder.current.providers["openrouter"].model_info["z-ai/glm-4.6"]
            assert (info.context_window, info.max_output, info.price) == (
                202752,
                65536,
                Price(0.4, 1.75, 0.08),
            )
            listing = cli(gw, "models", "list", "openrouter")
            line = next(row for row in listing.splitlines() if row.startswith("z-ai/glm-4.6"))
            # MODEL CONTEXT MAX-OUT CAPS IN OUT CACHED PRICE-FROM FROM
            assert line.split()[4:] == ["0.4", "1.75", "0.08", "provider", "provider"]

            await ask(gw, "openrouter/z-ai/glm-4.6")
            assert (await last_row(gw)).cost_usd == pytest.approx(
                (1000 * 0.4 + 200 * 0.08 + 300 * 1.75) / 1e6
            )

            # OpenRouter cuts the price; the next refresh of its list carries it into the cost.
            router.listing = {"z-ai/glm-4.6": openrouter_entry("0.0000002", "0.000001", "0.00000004")}
            # (what `vansroute models list openrouter --refresh` and the background refresh both call)
            assert (await gw.admin.refresh_models("openrouter")).changed
            await gw.wait_for_config()
            await ask(gw, "openrouter/z-ai/glm-4.6")
            assert (await last_row(gw)).cost_usd == pytest.approx((1000 * 0.2 + 200 * 0.04 + 300 * 1.0) / 1e6)
        finally:
            await gw.runtime.stop()
            gw.store.db.close()


async def test_the_cheapest_combo_follows_your_prices(tmp_path: Path) -> None:
    # Two self-hosted servers the catalogue knows nothing about: only the user's prices rank them.
    async with (
        FakeOpenAI(models=("coder",), api_key="k-a") as a,
        FakeOpenAI(models=("coder",), api_key="k-b") as b,
    ):
        gw = await start_gateway(tmp_path)
        try:
            for name, fake, key in (("site-a", a, "k-a"), ("site-b", b, "k-b")):
                gw.admin.add_provider(
                    name,
                    wire_format="openai",
                    base_url=fake.base_url,
                    models="coder",
                    key=KeySource(value=key),
                )
            cli(gw, "combos", "add", "cheap", "site-a/coder", "site-b/coder", "--strategy", "cheapest")
            cli(gw, "models", "set", "site-a/coder", "--input", "3", "--output", "9")
            cli(gw, "models", "set", "site-b/coder", "--input", "1", "--output", "2")
            await gw.wait_for_config()
            await ask(gw, "combo/cheap")
            assert (len(a.chat_requests), len(b.chat_requests)) == (0, 1)

            cli(
                gw, "models", "set", "site-a/coder", "--input", "0.5", "--output", "1"
            )  # site A cut its price
            await gw.wait_for_config()
            # A new conversation (an ongoing one stays where its prompt cache is).
            await ask(gw, "combo/cheap", "a new task")
            assert (len(a.chat_requests), len(b.chat_requests)) == (1, 1)
        finally:
            await gw.runtime.stop()
            gw.store.db.close()
