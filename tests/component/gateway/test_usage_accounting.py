"""Usage rows match what the upstream reported, exactly: every client format against every upstream
format, streamed and not, through a running gateway (official OpenAI and Anthropic SDKs, raw HTTP
for Gemini). Also the client app, attempts, timings and catalogue cost of each row."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import anthropic
import openai
import pytest

from app.core.records import UsageDimension, UsageRecord
from app.services.admin import KeySource
from tests.component.conftest import Gateway
from tests.component.gateway.conftest import MODELS, Fakes
from tests.fakes.sse import parse_events

UPSTREAMS = ("oai", "resp", "ant", "gem")
CLIENTS = ("chat", "responses", "anthropic", "gemini")

# What each fake is told to report, in its own vocabulary…
REPORTED: dict[str, dict[str, int]] = {
    "oai": {"prompt_tokens": 1200, "completion_tokens": 340, "cached_tokens": 800, "reasoning_tokens": 120},
    "resp": {"input_tokens": 1200, "output_tokens": 340, "cached_tokens": 800, "reasoning_tokens": 120},
    # Anthropic counts uncached input apart from cache reads and writes, and no thinking tokens.
    "ant": {
        "input_tokens": 400,
        "cache_read_input_tokens": 800,
        "cache_creation_input_tokens": 50,
        "output_tokens": 340,
    },
    # Gemini counts thoughts apart from the candidates.
    "gem": {
        "promptTokenCount": 1200,
        "candidatesTokenCount": 220,
        "thoughtsTokenCount": 120,
        "cachedContentTokenCount": 800,
        "totalTokenCount": 1540,
    },
}
# …and the row that must come of it: (input incl. cached, output incl. reasoning, cached, cache writes,
# reasoning).
EXPECTED: dict[str, tuple[int, int, int, int, int]] = {
    "oai": (1200, 340, 800, 0, 120),
    "resp": (1200, 340, 800, 0, 120),
    "ant": (1250, 340, 800, 50, 0),
    "gem": (1200, 340, 800, 0, 120),
}
CLIENT_APP = {
    "chat": "openai-python",
    "responses": "openai-python",
    "anthropic": "anthropic-python",
    "gemini": "google-genai-python",
}


async def ask(gw: Gateway, client: str, model: str, stream: bool) -> str:
    """One request; returns the reply text (so the test knows the answer really arrived)."""
    if client == "chat":
        async with openai.AsyncOpenAI(base_url=gw.v1, api_key=gw.key, max_retries=0, timeout=20) as c:
            messages: Any = [{"role": "user", "content": "Say hello"}]
            if not stream:
                r = await c.chat.completions.create(model=model, messages=messages)
                return r.choices[0].message.content or ""
            text = ""
            chunks = await c.chat.completions.create(
                model=model, messages=messages, stream=True, stream_options={"include_usage": True}
            )
            async for chunk in chunks:
                for choice in chunk.choices:
                    text += choice.delta.content or ""
            return text
    if client == "responses":
        async with openai.AsyncOpenAI(base_url=gw.v1, api_key=gw.key, max_retries=0, timeout=20) as c:
            if stream:
                async with c.responses.stream(model=model, input="Say hello") as s:
                    return (await s.get_final_response()).output_text
            return (await c.responses.create(model=model, input="Say hello")).output_text
    if client == "anthropic":
        async with anthropic.AsyncAnthropic(base_url=gw.url, api_key=gw.key, max_retries=0, timeout=20) as c:
            messages = [{"role": "user", "content": "Say hello"}]
            if stream:
                async with c.messages.stream(model=model, max_tokens=256, messages=messages) as s:
                    m = await s.get_final_message()
            else:
                m = await c.messages.create(model=model, max_tokens=256, messages=messages)
            return "".join(b.text for b in m.content if b.type == "text")
    body = {"contents": [{"role": "user", "parts": [{"text": "Say hello"}]}]}
    action = "streamGenerateContent?alt=sse" if stream else "generateContent"
    headers = {"x-goog-api-key": gw.key, "User-Agent": "google-genai-sdk/1.38.0 gl-python/3.11.9"}
    async with (
        aiohttp.ClientSession() as s,
        s.post(f"{gw.url}/v1beta/models/{model}:{action}", json=body, headers=headers) as resp,
    ):
        raw = await resp.read()
        assert resp.status == 200, raw
    chunks = [json.loads(e.data) for e in parse_events(raw)] if stream else [json.loads(raw)]
    return "".join(
        part.get("text", "")
        for chunk in chunks
        for cand in chunk.get("candidates", [])
        for part in cand.get("content", {}).get("parts", [])
        if not part.get("thought")
    )


async def rows(gw: Gateway) -> list[UsageRecord]:
    writer = gw.runtime._writer
    assert writer is not None
    await writer.flush()
    return list(reversed(gw.store.usage.recent(100)))


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("upstream", UPSTREAMS)
@pytest.mark.parametrize("client", CLIENTS)
async def test_usage_row_matches_the_upstream_report(
    matrix: Gateway, fakes: Fakes, client: str, upstream: str, stream: bool
) -> None:
    fakes.script(upstream, usage=REPORTED[upstream], text="Hello there, friend")
    model = f"{upstream}/{MODELS[upstream]}"
    assert "Hello there" in await ask(matrix, client, model, stream)
    (row,) = await rows(matrix)
    assert (
        row.input_tokens,
        row.output_tokens,
        row.cached_tokens,
        row.cache_write_tokens,
        row.reasoning_tokens,
    ) == EXPECTED[upstream]
    assert (row.status, row.error, row.stream) == (200, None, stream)
    assert (row.api_key_name, row.client_app) == ("tests", CLIENT_APP[client])
    assert (row.provider_id, row.model, row.upstream_model) == (upstream, model, MODELS[upstream])
    assert row.attempts == 1
    assert row.cost_usd is None  # 'oai', 'ant'… are not catalogue providers: no known price
    assert row.ttft_ms is not None and 0 < row.ttft_ms <= row.latency_ms


async def test_time_to_first_token_of_a_stream(matrix: Gateway, fakes: Fakes) -> None:
    fakes.script("ant", chunks=4, chunk_interval=0.2, text="one two three four")
    await ask(matrix, "anthropic", f"ant/{MODELS['ant']}", stream=True)
    (row,) = await rows(matrix)
    assert row.ttft_ms is not None
    # The first event comes at once, the last after 0.2 s pauses between the events.
    assert row.latency_ms - row.ttft_ms >= 500


async def test_cost_from_catalogue_prices(matrix: Gateway, fakes: Fakes) -> None:
    fakes.by_id["ant"].models = (*fakes.by_id["ant"].models, "claude-opus-4-7")
    matrix.admin.add_provider(
        "anthropic",
        wire_format="anthropic",
        base_url=fakes.by_id["ant"].base_url,
        models="claude-opus-4-7",
        key=KeySource(value="k-ant"),
    )
    await matrix.wait_for_config()
    fakes.script("ant", usage=REPORTED["ant"])
    await ask(matrix, "chat", "anthropic/claude-opus-4-7", stream=False)
    (row,) = await rows(matrix)
    # $5/M uncached input (400 + 50 cache writes), $0.5/M cache reads (800), $25/M output (340)
    assert row.cost_usd == pytest.approx((450 * 5.0 + 800 * 0.5 + 340 * 25.0) / 1e6)
    (by_provider,) = matrix.runtime.usage().totals(UsageDimension.PROVIDER)
    assert by_provider.group == "anthropic"
    assert by_provider.cost_usd == pytest.approx(row.cost_usd)


async def test_failed_requests_are_recorded_with_their_attempts(matrix: Gateway, fakes: Fakes) -> None:
    fakes.script("oai", status=500)
    with pytest.raises(openai.InternalServerError):
        await ask(matrix, "chat", f"oai/{MODELS['oai']}", stream=False)
    (row,) = await rows(matrix)
    assert row.status == 500
    assert row.attempts == 1
    assert row.input_tokens is None and row.ttft_ms is None and row.cost_usd is None


async def test_refused_requests_are_recorded(matrix: Gateway) -> None:
    async with (
        aiohttp.ClientSession() as s,
        s.post(
            f"{matrix.url}/v1beta/models/gem/{MODELS['gem']}:streamGenerateContent",
            json={"contents": []},
            headers={"x-goog-api-key": "vr-wrong", "User-Agent": "GeminiCLI/0.9.0 (linux; x64)"},
        ) as resp,
    ):
        assert resp.status == 401
    (row,) = await rows(matrix)
    assert (row.status, row.error, row.api_key_name) == (401, "invalid_api_key", None)
    assert (row.client_app, row.model, row.stream) == ("gemini-cli", f"gem/{MODELS['gem']}", True)


async def test_a_chat_stream_without_include_usage_is_accounted_and_stays_as_asked(
    tmp_path: Path,
) -> None:
    from app.core.events import RequestFinished
    from app.services.admin import KeySource
    from tests.component.conftest import start_gateway
    from tests.fakes.openai_upstream import FakeOpenAI

    async with FakeOpenAI(models=("gpt-4.1",), api_key="ko") as up:
        gw = await start_gateway(tmp_path)
        seen: list[RequestFinished] = []
        gw.runtime.bus.subscribe(RequestFinished, seen.append)
        try:
            gw.admin.add_provider(
                "openai", wire_format="openai", base_url=up.base_url, models=None, key=KeySource(value="ko")
            )
            await gw.wait_for_config()
            async with openai.AsyncOpenAI(base_url=gw.v1, api_key=gw.key, max_retries=0) as c:
                stream = await c.chat.completions.create(
                    model="openai/gpt-4.1", messages=[{"role": "user", "content": "Say hello"}], stream=True
                )
                chunks = [chunk async for chunk in stream]
            assert up.chat_requests[-1].json["stream_options"] == {"include_usage": True}
            assert all(chunk.choices for chunk in chunks)  # no usage-only chunk the client did not ask for
            assert all(chunk.usage is None for chunk in chunks)
            row = seen[-1].usage
            assert row.input_tokens and row.output_tokens
        finally:
            await gw.runtime.stop()
            gw.store.db.close()
