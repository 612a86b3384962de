"""Per-key access lists, rate and concurrency limits and budgets through a running gateway: each
refusal arrives in the client's own error format (official OpenAI and Anthropic SDKs, raw HTTP for
Gemini) with the right status and a message naming the rule."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import anthropic
import openai
import pytest

from app.services.admin import KeySource
from app.services.combos import ComboAdmin
from app.services.key_limits import LimitChanges
from tests.component.conftest import Gateway, start_gateway
from tests.component.gateway.conftest import MODELS, Fakes

OAI = f"oai/{MODELS['oai']}"
ANT = f"ant/{MODELS['ant']}"
GEM = f"gem/{MODELS['gem']}"


async def new_key(gw: Gateway, name: str, **changes: str) -> str:
    _, key = gw.admin.create_key(name, LimitChanges(**changes))
    await gw.wait_for_config()
    return key


def openai_client(gw: Gateway, key: str) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=gw.v1, api_key=key, max_retries=0, timeout=20)


def anthropic_client(gw: Gateway, key: str) -> anthropic.AsyncAnthropic:
    return anthropic.AsyncAnthropic(base_url=gw.url, api_key=key, max_retries=0, timeout=20)


async def chat(gw: Gateway, key: str, model: str = OAI) -> Any:
    async with openai_client(gw, key) as c:
        return await c.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}])


async def message(gw: Gateway, key: str, model: str = ANT) -> Any:
    async with anthropic_client(gw, key) as c:
        return await c.messages.create(
            model=model, max_tokens=64, messages=[{"role": "user", "content": "hi"}]
        )


async def gemini(
    gw: Gateway, key: str, model: str = GEM, action: str = "generateContent"
) -> tuple[int, dict[str, Any], dict[str, str]]:
    body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    async with (
        aiohttp.ClientSession() as s,
        s.post(f"{gw.url}/v1beta/models/{model}:{action}", json=body, headers={"x-goog-api-key": key}) as r,
    ):
        return r.status, await r.json(), dict(r.headers)


async def recorded(gw: Gateway) -> list[Any]:
    writer = gw.runtime._writer
    assert writer is not None
    await writer.flush()
    return list(reversed(gw.store.usage.recent(50)))


# --- access lists ---------------------------------------------------------------------------------


async def test_provider_list_in_openai_format(matrix: Gateway) -> None:
    key = await new_key(matrix, "only-ant", providers="ant")
    with pytest.raises(openai.PermissionDeniedError) as refused:
        await chat(matrix, key)
    assert refused.value.status_code == 403
    body = refused.value.body
    assert isinstance(body, dict)
    assert body["code"] == "access_denied" and body["type"] == "permission_error"
    assert "API key 'only-ant' may not use provider 'oai' (its providers: ant)" in body["message"]
    # The provider it may use works.
    reply = await message(matrix, key)
    assert reply.content[0].text


async def test_provider_list_in_anthropic_format(matrix: Gateway) -> None:
    key = await new_key(matrix, "only-oai", providers="oai")
    with pytest.raises(anthropic.PermissionDeniedError) as refused:
        await message(matrix, key)
    assert refused.value.status_code == 403
    assert refused.value.body == {
        "type": "error",
        "error": {
            "type": "permission_error",
            "message": "API key 'only-oai' may not use provider 'ant' (its providers: oai)",
        },
    }


async def test_provider_list_in_gemini_format(matrix: Gateway) -> None:
    key = await new_key(matrix, "no-providers", providers="none")
    status, body, _ = await gemini(matrix, key)
    assert status == 403
    assert body["error"]["code"] == 403
    assert body["error"]["status"] == "PERMISSION_DENIED"
    assert "may not use provider 'gem' (its providers: none)" in body["error"]["message"]


async def test_kind_lists_in_every_format(matrix: Gateway) -> None:
    key = await new_key(matrix, "messages-only", kinds="messages")
    with pytest.raises(openai.PermissionDeniedError) as chat_refused:
        await chat(matrix, key)
    assert "may not make 'chat' requests (its kinds: messages)" in str(chat_refused.value)
    async with openai_client(matrix, key) as c:
        with pytest.raises(openai.PermissionDeniedError, match="may not make 'responses' requests"):
            await c.responses.create(model=f"resp/{MODELS['resp']}", input="hi")
        with pytest.raises(openai.PermissionDeniedError, match="may not make 'models' requests"):
            await c.models.list()
    status, body, _ = await gemini(matrix, key)
    assert (status, body["error"]["status"]) == (403, "PERMISSION_DENIED")
    assert "may not make 'gemini' requests" in body["error"]["message"]
    status, body, _ = await gemini(matrix, key, action="countTokens")
    assert status == 403 and "may not make 'count_tokens' requests" in body["error"]["message"]
    async with anthropic_client(matrix, key) as c:
        with pytest.raises(anthropic.PermissionDeniedError, match="'count_tokens'"):
            await c.messages.count_tokens(model=ANT, messages=[{"role": "user", "content": "hi"}])
    assert (await message(matrix, key)).content[0].text


async def test_combo_list(matrix: Gateway) -> None:
    ComboAdmin(matrix.store).add("pair", "fallback", [OAI, ANT])
    ComboAdmin(matrix.store).add("solo", "fallback", [OAI])
    key = await new_key(matrix, "pair-only", combos="pair", providers="ant")
    # The combo is allowed, its first member's provider is not: the next member answers.
    reply = await message(matrix, key, model="combo/pair")
    assert reply.content[0].text
    with pytest.raises(anthropic.PermissionDeniedError) as refused:
        await message(matrix, key, model="combo/solo")
    assert "may not use combo 'solo' (its combos: pair)" in refused.value.message
    rows = await recorded(matrix)
    assert rows[-2].provider_id == "ant" and rows[-2].api_key_name == "pair-only"
    assert (rows[-1].status, rows[-1].error) == (403, "access_denied")


async def test_changed_limits_apply_without_a_restart(matrix: Gateway) -> None:
    key = await new_key(matrix, "changing")
    await chat(matrix, key)
    matrix.admin.update_key("changing", LimitChanges(providers="ant"))
    await matrix.wait_for_config()
    with pytest.raises(openai.PermissionDeniedError):
        await chat(matrix, key)


# --- rate and concurrency limits ------------------------------------------------------------------


async def test_rate_limit_in_each_format_with_retry_after(matrix: Gateway) -> None:
    key = await new_key(matrix, "slow", requests_per_minute="2")
    await chat(matrix, key)
    await message(matrix, key)
    with pytest.raises(openai.RateLimitError) as oai_refused:
        await chat(matrix, key)
    assert oai_refused.value.status_code == 429
    retry_after = int(oai_refused.value.response.headers["retry-after"])
    assert 1 <= retry_after <= 60
    body = oai_refused.value.body
    assert isinstance(body, dict)
    assert body["code"] == "key_rate_limited"
    assert "API key 'slow' is limited to 2 requests per minute" in body["message"]
    with pytest.raises(anthropic.RateLimitError) as ant_refused:
        await message(matrix, key)
    assert ant_refused.value.body["error"]["type"] == "rate_limit_error"  # type: ignore[index]
    assert "retry-after" in ant_refused.value.response.headers
    status, gem_body, headers = await gemini(matrix, key)
    assert (status, gem_body["error"]["status"]) == (429, "RESOURCE_EXHAUSTED")
    assert "Retry-After" in headers
    # Listing models is not limited.
    async with openai_client(matrix, key) as c:
        assert len((await c.models.list()).data) == 4
    rows = [r for r in await recorded(matrix) if r.api_key_name == "slow"]
    assert [r.status for r in rows] == [200, 200, 429, 429, 429]
    assert {r.error for r in rows[2:]} == {"key_rate_limited"}


async def test_concurrency_limit(matrix: Gateway, fakes: Fakes) -> None:
    key = await new_key(matrix, "one-at-a-time", max_concurrent="1")
    fakes.script("oai", delay_first_byte=0.6)
    first = asyncio.ensure_future(chat(matrix, key))
    await matrix.wait_for(lambda: len(fakes.by_id["oai"].requests) == 1)
    with pytest.raises(anthropic.RateLimitError) as refused:
        await message(matrix, key)
    assert "API key 'one-at-a-time' is limited to 1 concurrent requests" in refused.value.message
    assert refused.value.response.headers["retry-after"] == "1"
    assert (await first).choices[0].message.content
    # The slot is free again once the first request has finished.
    assert (await message(matrix, key)).content[0].text


async def test_concurrency_slot_is_held_until_a_stream_ends(matrix: Gateway, fakes: Fakes) -> None:
    key = await new_key(matrix, "streamer", max_concurrent="1")
    fakes.script("ant", chunks=4, chunk_interval=0.15)
    async with (
        anthropic_client(matrix, key) as c,
        c.messages.stream(model=ANT, max_tokens=64, messages=[{"role": "user", "content": "hi"}]) as stream,
    ):
        async for _ in stream.text_stream:
            break  # the stream has started: the slot is taken
        with pytest.raises(anthropic.RateLimitError):
            await message(matrix, key)
        await stream.get_final_message()
    assert (await message(matrix, key)).content[0].text


# --- budgets ---------------------------------------------------------------------------------------


@pytest.fixture
async def priced(matrix: Gateway, fakes: Fakes) -> Gateway:
    """Provider 'anthropic' (a catalogue id, so catalogue prices apply) on the fake Anthropic:
    claude-opus-4-7 costs $5 per million input tokens."""
    fakes.by_id["ant"].models = (*fakes.by_id["ant"].models, "claude-opus-4-7")
    matrix.admin.add_provider(
        "anthropic",
        wire_format="anthropic",
        base_url=fakes.by_id["ant"].base_url,
        models="claude-opus-4-7",
        key=KeySource(value="k-ant"),
    )
    await matrix.wait_for_config()
    return matrix


async def test_budget_exhaustion_in_each_format(priced: Gateway, fakes: Fakes) -> None:
    key = await new_key(priced, "capped", monthly_budget_usd="0.01")
    # 2,000 input tokens at $5/M and no output: exactly the $0.01 budget.
    fakes.script("ant", usage={"input_tokens": 2000, "output_tokens": 0})
    await message(priced, key, model="anthropic/claude-opus-4-7")
    with pytest.raises(anthropic.APIStatusError) as ant_refused:
        await message(priced, key, model="anthropic/claude-opus-4-7")
    assert ant_refused.value.status_code == 402
    assert ant_refused.value.body["error"]["type"] == "billing_error"  # type: ignore[index]
    assert "API key 'capped' has spent its monthly budget: $0.01 of $0.01" in ant_refused.value.message
    with pytest.raises(openai.APIStatusError) as oai_refused:
        await chat(priced, key)
    assert oai_refused.value.status_code == 402
    body = oai_refused.value.body
    assert isinstance(body, dict) and body["code"] == "budget_exceeded"
    status, gem_body, _ = await gemini(priced, key)
    assert (status, gem_body["error"]["status"]) == (429, "RESOURCE_EXHAUSTED")
    assert "spent its monthly budget" in gem_body["error"]["message"]
    # Other keys are not affected.
    assert (await chat(priced, priced.key)).choices[0].message.content
    rows = [r for r in await recorded(priced) if r.api_key_name == "capped"]
    assert rows[0].cost_usd == pytest.approx(0.01)
    assert [(r.status, r.error) for r in rows[1:]] == [
        (402, "budget_exceeded"),
        (402, "budget_exceeded"),
        (429, "budget_exceeded"),
    ]


async def test_budget_spend_survives_a_restart(priced: Gateway, fakes: Fakes, tmp_path: Any) -> None:
    key = await new_key(priced, "capped", monthly_budget_usd="0.01")
    fakes.script("ant", usage={"input_tokens": 3000, "output_tokens": 0})
    await message(priced, key, model="anthropic/claude-opus-4-7")
    await priced.runtime.stop()  # flushes the usage row
    priced.store.db.close()
    again = await start_gateway(tmp_path, secrets=priced.secrets)
    try:
        with pytest.raises(anthropic.APIStatusError) as refused:
            await message(again, key, model="anthropic/claude-opus-4-7")
        assert refused.value.status_code == 402
        assert "$0.01 of $0.01" in refused.value.message
        again.admin.update_key("capped", LimitChanges(monthly_budget_usd="1"))
        await again.wait_for_config()
        assert (await message(again, key, model="anthropic/claude-opus-4-7")).content
    finally:
        await again.runtime.stop()
        again.store.db.close()
