"""Pause from the tray: the gateway keeps its port but answers 503 in the client's own format."""

from __future__ import annotations

import anthropic
import openai
import pytest

from app.core.events import GatewayStateChanged
from tests.component.conftest import Gateway
from tests.fakes.openai_upstream import FakeOpenAI

MESSAGES = [{"role": "user", "content": "hi"}]


async def test_paused_gateway_answers_503_in_each_format_and_resumes(
    routed: Gateway, fake_openai: FakeOpenAI
):
    states: list[str] = []
    routed.runtime.bus.subscribe(GatewayStateChanged, lambda e: states.append(e.state))
    routed.runtime.pause()
    assert routed.runtime.paused and routed.runtime.status().state == "paused"
    assert states == ["paused"]

    async with openai.AsyncOpenAI(base_url=routed.v1, api_key=routed.key, max_retries=0) as client:
        with pytest.raises(openai.APIStatusError) as info:
            await client.chat.completions.create(model="fake/gpt-4o-mini", messages=MESSAGES)
    assert info.value.status_code == 503
    assert "paused" in info.value.body["message"]  # type: ignore[index]

    async with anthropic.AsyncAnthropic(base_url=routed.url, api_key=routed.key, max_retries=0) as client:
        with pytest.raises(anthropic.APIStatusError) as ainfo:
            await client.messages.create(model="fake/gpt-4o-mini", max_tokens=16, messages=MESSAGES)  # type: ignore[arg-type]
    assert ainfo.value.status_code == 503
    assert ainfo.value.body["type"] == "error"  # type: ignore[index]
    assert fake_openai.chat_requests == []  # nothing went upstream

    routed.runtime.resume()
    assert states == ["paused", "serving"] and routed.runtime.status().state == "serving"
    async with openai.AsyncOpenAI(base_url=routed.v1, api_key=routed.key, max_retries=0) as client:
        answer = await client.chat.completions.create(model="fake/gpt-4o-mini", messages=MESSAGES)
    assert answer.choices[0].message.content


async def test_pausing_twice_announces_once(gateway: Gateway):
    states: list[str] = []
    gateway.runtime.bus.subscribe(GatewayStateChanged, lambda e: states.append(e.state))
    gateway.runtime.pause()
    gateway.runtime.pause()
    gateway.runtime.resume()
    gateway.runtime.resume()
    assert states == ["paused", "serving"]


async def test_the_desktop_admin_shares_the_runtime_database(gateway: Gateway):
    admin = gateway.runtime.admin()
    key = admin.desktop_key()
    assert key == gateway.runtime.admin().desktop_key()
    assert "desktop" in [k.name for k in gateway.admin.list_keys(include_revoked=False)]


async def test_quit_lets_a_stream_in_flight_finish(routed: Gateway, fake_openai: FakeOpenAI):
    """What Quit in the tray does (Runtime.stop): new connections stop, the stream already running ends."""
    import asyncio

    from tests.fakes.openai_upstream import Behaviour

    fake_openai.script(Behaviour(text="one two three four five six", chunks=6, chunk_interval=0.15))
    async with openai.AsyncOpenAI(base_url=routed.v1, api_key=routed.key, max_retries=0) as client:
        stream = await client.chat.completions.create(
            model="fake/gpt-4o-mini", messages=MESSAGES, stream=True
        )
        stopping = asyncio.get_running_loop().create_task(routed.runtime.stop())
        text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
        await stopping
    assert text == "one two three four five six"
    assert routed.runtime.status().state == "stopped"
