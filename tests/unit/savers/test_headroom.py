"""Headroom through a real HTTP client against a fake Headroom server on loopback."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import orjson
import pytest

from app.core.records import WireFormat
from app.savers.headroom import (
    HeadroomMemory,
    HeadroomSettings,
    Send,
    apply_headroom,
    parse_answer,
    request_body,
)
from tests.fakes.headroom import FakeHeadroom, squeeze

OUTPUT = "\n".join(f"line {i}: some tool output worth compressing" for i in range(40))
OTHER = "\n".join(f"row {i}: a second tool output" for i in range(40))


@pytest.fixture
async def send() -> AsyncIterator[Send]:
    """What the gateway is expected to pass: a POST through one aiohttp session."""
    async with aiohttp.ClientSession() as session:

        async def post(url: str, body: bytes, timeout: float) -> tuple[int, bytes]:
            async with session.post(
                url,
                data=body,
                headers={"content-type": "application/json"},
                timeout=aiohttp.ClientTimeout(total=timeout),
            ) as response:
                return response.status, await response.read()

        yield post


def chat(*outputs: str) -> dict[str, Any]:
    messages: list[dict[str, Any]] = [{"role": "user", "content": "look"}]
    for i, output in enumerate(outputs):
        messages.append(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": f"c{i}", "type": "function", "function": {"name": "shell", "arguments": "{}"}}
                ],
            }
        )
        messages.append({"role": "tool", "tool_call_id": f"c{i}", "content": output})
    return {"model": "gpt-5", "messages": messages}


async def test_compresses_tool_results_and_remembers_them(send: Send) -> None:
    memory = HeadroomMemory()
    async with FakeHeadroom() as fake:
        settings = HeadroomSettings(url=fake.url)
        first = await apply_headroom(chat(OUTPUT), WireFormat.OPENAI, send, memory, settings, model="gpt-5")
        assert first.changed and first.failure == ""
        assert first.body["messages"][2]["content"] == squeeze(OUTPUT)
        assert [r.kind for r in first.rewrites] == ["headroom"]
        # Next turn: the old result is not asked about again, only the new one, and the old one keeps
        # the form it was sent in.
        second = await apply_headroom(chat(OUTPUT, OTHER), WireFormat.OPENAI, send, memory, settings)
    assert len(fake.requests) == 2
    sent = [m["content"] for m in fake.requests[1]["messages"] if m["role"] == "tool"]
    assert sent == [OTHER]
    assert second.body["messages"][:3] == first.body["messages"]
    assert second.body["messages"][4]["content"] == squeeze(OTHER)


async def test_anthropic_results_go_out_as_chat_tool_messages(send: Send) -> None:
    body = {
        "messages": [
            {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "Bash", "input": {}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": OUTPUT}]},
        ]
    }
    async with FakeHeadroom() as fake:
        result = await apply_headroom(
            body, WireFormat.ANTHROPIC, send, HeadroomMemory(), HeadroomSettings(url=fake.url)
        )
    assert fake.requests[0]["messages"][1] == {"role": "tool", "tool_call_id": "vr0", "content": OUTPUT}
    assert result.body["messages"][1]["content"][0]["content"] == squeeze(OUTPUT)


@pytest.mark.parametrize("mode", ["error", "garbage", "wrong-shape", "reset"])
async def test_any_failure_leaves_the_request_as_it_was(send: Send, mode: str) -> None:
    body = chat(OUTPUT)
    memory = HeadroomMemory()
    async with FakeHeadroom(mode=mode) as fake:
        result = await apply_headroom(body, WireFormat.OPENAI, send, memory, HeadroomSettings(url=fake.url))
    assert result.body is body and not result.changed
    assert result.failure.startswith("headroom skipped")
    assert len(memory) == 0  # asked again next time


async def test_slow_headroom_times_out_after_the_setting(send: Send) -> None:
    body = chat(OUTPUT)
    async with FakeHeadroom(mode="slow", delay=2.0) as fake:
        result = await apply_headroom(
            body, WireFormat.OPENAI, send, HeadroomMemory(), HeadroomSettings(url=fake.url, timeout=0.2)
        )
    assert result.body is body and "Timeout" in result.failure


async def test_unreachable_headroom_leaves_the_request_as_it_was(send: Send) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    body = chat(OUTPUT)
    result = await apply_headroom(
        body,
        WireFormat.OPENAI,
        send,
        HeadroomMemory(),
        HeadroomSettings(url=f"http://127.0.0.1:{port}/v1/compress"),
    )
    assert result.body is body and "headroom skipped" in result.failure


@pytest.mark.parametrize("mode", ["longer", "empty"])
async def test_a_longer_or_empty_answer_is_not_used_and_is_remembered(send: Send, mode: str) -> None:
    memory = HeadroomMemory()
    async with FakeHeadroom(mode=mode) as fake:
        settings = HeadroomSettings(url=fake.url)
        result = await apply_headroom(chat(OUTPUT), WireFormat.OPENAI, send, memory, settings)
        again = await apply_headroom(chat(OUTPUT), WireFormat.OPENAI, send, memory, settings)
    assert not result.changed and not again.changed
    assert len(fake.requests) == 1  # the verdict "keep it" is remembered too: the prefix stays stable


async def test_short_and_error_results_are_not_sent(send: Send) -> None:
    body = {
        "messages": [
            {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "Bash", "input": {}}]},
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": "t1", "content": OUTPUT, "is_error": True},
                    {"type": "tool_result", "tool_use_id": "t2", "content": "short"},
                ],
            },
        ]
    }
    async with FakeHeadroom() as fake:
        result = await apply_headroom(
            body, WireFormat.ANTHROPIC, send, HeadroomMemory(), HeadroomSettings(url=fake.url)
        )
    assert fake.requests == [] and result.body is body


def test_memory_forgets_the_least_recently_used() -> None:
    memory = HeadroomMemory(max_entries=2)
    memory.put("a", "A")
    memory.put("b", "B")
    assert memory.get("a") == "A"  # a is now the most recent
    memory.put("c", "C")
    assert memory.get("b") is None and memory.get("a") == "A" and memory.get("c") == "C"


def test_wire_shapes() -> None:
    body = orjson.loads(request_body([OUTPUT], "m"))
    assert body["model"] == "m"
    assert body["messages"][0]["tool_calls"][0]["id"] == "vr0"
    answer = orjson.dumps({"messages": [{"role": "tool", "tool_call_id": "vr0", "content": "short"}]})
    assert parse_answer(answer, [OUTPUT]) == ["short"]
    # An id Headroom did not answer for keeps its original.
    assert parse_answer(orjson.dumps({"messages": []}), [OUTPUT]) == [OUTPUT]
