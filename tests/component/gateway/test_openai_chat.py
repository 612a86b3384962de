"""POST /v1/chat/completions through a running gateway, driven by the official openai SDK."""

from __future__ import annotations

import asyncio

import aiohttp
import openai
import pytest

from app.services.admin import KeySource
from tests.component.conftest import UPSTREAM_KEY, Gateway, start_gateway
from tests.fakes.openai_upstream import Behaviour, FakeOpenAI


def client(gw: Gateway, key: str | None = None) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=gw.v1, api_key=key or gw.key, max_retries=0, timeout=10)


async def test_non_streaming_completion_is_relayed(routed: Gateway, fake_openai: FakeOpenAI) -> None:
    async with client(routed) as c:
        reply = await c.chat.completions.create(
            model="fake/gpt-4o-mini", messages=[{"role": "user", "content": "hi there"}]
        )
    assert reply.choices[0].message.content == "Hello from fake upstream"
    assert reply.usage is not None and reply.usage.completion_tokens > 0
    (sent,) = fake_openai.chat_requests
    # Only the model and the auth change on the way through.
    assert sent.json["model"] == "gpt-4o-mini"
    assert sent.json["messages"] == [{"role": "user", "content": "hi there"}]
    assert sent.header("Authorization") == f"Bearer {UPSTREAM_KEY}"
    assert routed.key not in str(dict(sent.headers))


async def test_streaming_completion_with_usage(routed: Gateway, fake_openai: FakeOpenAI) -> None:
    fake_openai.script(Behaviour(text="one two three four", chunk_interval=0.005))
    async with client(routed) as c:
        stream = await c.chat.completions.create(
            model="fake/gpt-4.1",
            messages=[{"role": "user", "content": "count"}],
            stream=True,
            stream_options={"include_usage": True},
        )
        pieces, usage = [], None
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                pieces.append(chunk.choices[0].delta.content)
            if chunk.usage is not None:
                usage = chunk.usage
    assert "".join(pieces) == "one two three four"
    assert len(pieces) == 4
    assert usage is not None and usage.completion_tokens == 4
    assert fake_openai.chat_requests[0].json["stream"] is True


async def test_tool_call_stream_is_reassembled_by_the_sdk(routed: Gateway, fake_openai: FakeOpenAI) -> None:
    fake_openai.script(Behaviour(tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}}]))
    async with (
        client(routed) as c,
        c.beta.chat.completions.stream(
            model="fake/gpt-4o-mini",
            messages=[{"role": "user", "content": "weather?"}],
            tools=[
                {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
            ],
        ) as stream,
    ):
        final = await stream.get_final_completion()
    call = final.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather"
    assert call.function.arguments == '{"city": "Paris"}' or call.function.arguments == '{"city":"Paris"}'


async def test_missing_or_wrong_key_is_401_in_openai_shape(routed: Gateway) -> None:
    async with client(routed, key="vr-not-a-real-key") as c:
        with pytest.raises(openai.AuthenticationError) as info:
            await c.chat.completions.create(
                model="fake/gpt-4o-mini", messages=[{"role": "user", "content": "x"}]
            )
    assert info.value.status_code == 401
    assert info.value.body["message"] == "invalid API key"
    async with aiohttp.ClientSession() as s, s.post(routed.v1 + "/chat/completions", json={}) as resp:
        assert resp.status == 401
        body = await resp.json()
    assert "missing API key" in body["error"]["message"]
    assert body["error"]["type"] == "authentication_error"


async def test_x_api_key_header_is_accepted(routed: Gateway) -> None:
    async with (
        aiohttp.ClientSession() as s,
        s.post(
            routed.v1 + "/chat/completions",
            json={"model": "fake/gpt-4o-mini", "messages": [{"role": "user", "content": "x"}]},
            headers={"x-api-key": routed.key},
        ) as resp,
    ):
        assert resp.status == 200
        assert (await resp.json())["object"] == "chat.completion"


@pytest.mark.parametrize(
    ("payload", "param", "fragment"),
    [
        (b"{not json", None, "not valid JSON"),
        (b"[1, 2]", None, "must be a JSON object"),
        (b'{"messages": [{"role": "user", "content": "x"}]}', "model", "missing required field 'model'"),
        (b'{"model": "fake/gpt-4o-mini"}', "messages", "missing required field 'messages'"),
        (b'{"model": 7, "messages": []}', "model", "must be a non-empty string"),
    ],
)
async def test_malformed_requests_are_400_naming_the_field(
    routed: Gateway, payload: bytes, param: str | None, fragment: str
) -> None:
    async with (
        aiohttp.ClientSession() as s,
        s.post(
            routed.v1 + "/chat/completions",
            data=payload,
            headers={"Authorization": f"Bearer {routed.key}", "Content-Type": "application/json"},
        ) as resp,
    ):
        assert resp.status == 400
        body = await resp.json()
    assert fragment in body["error"]["message"]
    assert body["error"]["param"] == param
    assert body["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize(
    ("model", "fragment"),
    [
        ("nope/gpt-4o-mini", "unknown provider 'nope'"),
        ("fake/gpt-9", "provider 'fake' has no model 'gpt-9'"),
        ("gpt-9", "not offered by any configured provider"),
    ],
)
async def test_unknown_provider_or_model_is_404(routed: Gateway, model: str, fragment: str) -> None:
    async with client(routed) as c:
        with pytest.raises(openai.NotFoundError) as info:
            await c.chat.completions.create(model=model, messages=[{"role": "user", "content": "x"}])
    assert fragment in info.value.body["message"]
    assert info.value.body["param"] == "model"


async def test_bare_model_name_routes_to_the_provider_that_declares_it(
    routed: Gateway, fake_openai: FakeOpenAI
) -> None:
    async with client(routed) as c:
        reply = await c.chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": "x"}])
    assert reply.choices[0].message.content
    assert fake_openai.chat_requests[0].json["model"] == "gpt-4.1"


async def test_body_over_the_limit_is_413(tmp_path, fake_openai: FakeOpenAI) -> None:
    gw = await start_gateway(tmp_path, max_body_mb=0.01)
    try:
        async with client(gw) as c:
            with pytest.raises(openai.APIStatusError) as info:
                await c.chat.completions.create(
                    model="fake/gpt-4o-mini", messages=[{"role": "user", "content": "x" * 20_000}]
                )
        assert info.value.status_code == 413
        assert "larger than the gateway's limit" in info.value.body["message"]
    finally:
        await gw.runtime.stop()
        gw.store.db.close()


async def test_upstream_429_is_relayed_with_retry_after(routed: Gateway, fake_openai: FakeOpenAI) -> None:
    fake_openai.script(Behaviour.rate_limited(retry_after=7))
    async with client(routed) as c:
        with pytest.raises(openai.RateLimitError) as info:
            await c.chat.completions.create(
                model="fake/gpt-4o-mini", messages=[{"role": "user", "content": "x"}]
            )
    assert info.value.response.headers["retry-after"] == "7"
    assert info.value.body["code"] == "rate_limit_exceeded"


async def test_upstream_500_is_relayed_with_its_status(routed: Gateway, fake_openai: FakeOpenAI) -> None:
    fake_openai.script(Behaviour.server_error(503))
    async with client(routed) as c:
        with pytest.raises(openai.APIStatusError) as info:
            await c.chat.completions.create(
                model="fake/gpt-4o-mini", messages=[{"role": "user", "content": "x"}]
            )
    assert info.value.status_code == 503


async def test_failing_account_falls_back_to_the_next(routed: Gateway, fake_openai: FakeOpenAI) -> None:
    routed.admin.add_account("fake", key=KeySource(value=UPSTREAM_KEY), label="second")
    await routed.wait_for_config()
    fake_openai.script(Behaviour.rate_limited(retry_after=30))
    async with client(routed) as c:
        reply = await c.chat.completions.create(
            model="fake/gpt-4o-mini", messages=[{"role": "user", "content": "x"}]
        )
    assert reply.choices[0].message.content == "Hello from fake upstream"
    assert len(fake_openai.chat_requests) == 2


async def test_unreachable_upstream_is_502(gateway: Gateway) -> None:
    gateway.admin.add_provider(
        "dead",
        wire_format="openai",
        base_url="http://127.0.0.1:9/v1",
        models=None,
        key=KeySource(value="sk-x"),
    )
    await gateway.wait_for_config()
    async with client(gateway) as c:
        with pytest.raises(openai.APIStatusError) as info:
            await c.chat.completions.create(
                model="dead/anything", messages=[{"role": "user", "content": "x"}]
            )
    assert info.value.status_code == 502
    assert "cannot connect" in info.value.body["message"]


async def test_mid_stream_drop_reaches_the_sdk_as_an_error(routed: Gateway, fake_openai: FakeOpenAI) -> None:
    fake_openai.script(Behaviour(text="a b c d e f", drop_after_chunks=3))
    async with client(routed) as c:
        stream = await c.chat.completions.create(
            model="fake/gpt-4o-mini", messages=[{"role": "user", "content": "x"}], stream=True
        )
        got = []
        with pytest.raises(openai.APIError) as info:
            async for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    got.append(chunk.choices[0].delta.content)
    assert got  # the first chunks arrived before the drop
    assert "stream broke" in str(info.value)


async def test_usage_is_recorded(routed: Gateway, fake_openai: FakeOpenAI) -> None:
    async with client(routed) as c:
        await c.chat.completions.create(
            model="fake/gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
        )
        stream = await c.chat.completions.create(
            model="fake/gpt-4o-mini",
            messages=[{"role": "user", "content": "hi"}],
            stream=True,
            stream_options={"include_usage": True},
        )
        async for _ in stream:
            pass
    await routed.wait_for(lambda: len(routed.store.usage.recent()) == 2)
    rows = sorted(routed.store.usage.recent(), key=lambda r: r.stream)
    assert [r.stream for r in rows] == [False, True]
    for row in rows:
        assert row.provider_id == "fake"
        assert row.api_key_name == "tests"
        assert row.status == 200
        assert row.output_tokens and row.output_tokens > 0
        assert row.input_tokens and row.input_tokens > 0


async def test_admin_changes_apply_within_two_seconds(routed: Gateway) -> None:
    record, new = routed.admin.create_key("later")
    took = await routed.wait_for(lambda: record.key_hash in routed.runtime._holder.current.keys_by_hash)
    assert took < 2.0
    async with client(routed, key=new) as c:
        assert (await c.models.list()).data
    routed.admin.revoke_key("later")
    await routed.wait_for_config()
    async with client(routed, key=new) as c:
        with pytest.raises(openai.AuthenticationError):
            await c.models.list()


async def test_models_lists_provider_slash_model(routed: Gateway) -> None:
    async with client(routed) as c:
        ids = [m.id for m in (await c.models.list()).data]
    assert ids == ["fake/gpt-4o-mini", "fake/gpt-4.1"]  # in the order the provider declares them


async def test_health_and_probes_need_no_key(routed: Gateway) -> None:
    async with aiohttp.ClientSession() as s:
        async with s.get(routed.url + "/health") as resp:
            health = await resp.json()
        async with s.head(routed.url + "/") as resp:
            assert resp.status == 200
        async with s.get(routed.url + "/v1/nothing-here") as resp:
            assert resp.status == 404
            assert "no such endpoint" in (await resp.json())["error"]["message"]
    assert health["status"] == "ok"
    assert health["providers"] == 1 and health["accounts"] == 1
    assert health["version"]
    assert health["uptime_s"] >= 0


async def test_in_flight_request_finishes_during_shutdown(routed: Gateway, fake_openai: FakeOpenAI) -> None:
    fake_openai.script(Behaviour(delay_first_byte=0.5))
    async with client(routed) as c:
        pending = asyncio.ensure_future(
            c.chat.completions.create(model="fake/gpt-4o-mini", messages=[{"role": "user", "content": "x"}])
        )
        await routed.wait_for(lambda: len(fake_openai.chat_requests) == 1)
        await routed.runtime.stop()
        reply = await pending
    assert reply.choices[0].message.content == "Hello from fake upstream"
    # The usage of the request that finished during shutdown was flushed before the database closed.
    assert [r.status for r in routed.store.usage.recent()] == [200]
