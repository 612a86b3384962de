"""Token savers as a coding agent meets them: tool output shrunk before it goes upstream, in the
client's format and across formats, the conversation prefix identical turn after turn, and the
controls (setting, header) obeyed."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from pathlib import Path

import anthropic
import openai
import orjson
import pytest

from app.core.records import UsageDimension
from app.formats.token_count import count_text
from app.services import saver_settings
from app.services.admin import KeySource
from tests.component.conftest import Gateway, start_gateway
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.headroom import FakeHeadroom
from tests.fakes.openai_upstream import FakeOpenAI

CORPUS = Path(__file__).resolve().parents[3] / "bench" / "data" / "savers_corpus"
PYTEST_OUTPUT = (CORPUS / "pytest.txt").read_text()
FAILING = next(line for line in PYTEST_OUTPUT.splitlines() if line.startswith("FAILED"))


@pytest.fixture
async def claude() -> AsyncIterator[FakeAnthropic]:
    async with FakeAnthropic(models=("claude-sonnet-4-5",), api_key="ka") as f:
        yield f


@pytest.fixture
async def gpt() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI(models=("gpt-4.1",), api_key="ko") as f:
        yield f


@pytest.fixture
async def gw(tmp_path: Path, claude: FakeAnthropic, gpt: FakeOpenAI) -> AsyncIterator[Gateway]:
    gateway = await start_gateway(tmp_path)
    gateway.admin.add_provider(
        "anthropic", wire_format="anthropic", base_url=claude.base_url, models=None, key=KeySource(value="ka")
    )
    gateway.admin.add_provider(
        "openai", wire_format="openai", base_url=gpt.base_url, models=None, key=KeySource(value="ko")
    )
    await gateway.wait_for_config()
    try:
        yield gateway
    finally:
        await gateway.runtime.stop()
        gateway.store.db.close()


def turn(n: int) -> list[dict[str, object]]:
    """A Claude Code style conversation with n rounds of `run the tests` → pytest output."""
    messages: list[dict[str, object]] = [{"role": "user", "content": "fix the failing tests"}]
    for i in range(n):
        messages += [
            {
                "role": "assistant",
                "content": [
                    {"type": "tool_use", "id": f"t{i}", "name": "Bash", "input": {"command": "pytest"}}
                ],
            },
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": f"t{i}", "content": PYTEST_OUTPUT}],
            },
        ]
    return messages


TOOLS = [{"name": "Bash", "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}}}]


async def send(gw: Gateway, model: str, messages: list[dict[str, object]], **headers: str) -> None:
    async with anthropic.AsyncAnthropic(
        base_url=gw.url, api_key=gw.key, max_retries=0, default_headers=headers
    ) as a:
        await a.messages.create(model=model, max_tokens=100, messages=messages, tools=TOOLS)  # type: ignore[arg-type]


def tool_text(sent: dict[str, object]) -> str:
    block = sent["messages"][-1]["content"][0]  # type: ignore[index]
    content = block["content"]
    return content if isinstance(content, str) else "".join(p["text"] for p in content)


async def test_tool_output_is_shrunk_and_keeps_the_failures(gw: Gateway, claude: FakeAnthropic) -> None:
    await send(gw, "anthropic/claude-sonnet-4-5", turn(1))
    sent = tool_text(claude.requests[-1].json)
    assert len(sent) < len(PYTEST_OUTPUT) * 0.6
    assert FAILING in sent


async def test_the_prefix_is_byte_identical_turn_after_turn(gw: Gateway, claude: FakeAnthropic) -> None:
    bodies = []
    for n in (1, 2, 3):
        await send(gw, "anthropic/claude-sonnet-4-5", turn(n))
        bodies.append(claude.requests[-1].body)
    for earlier, later in itertools.pairwise(bodies):
        before = orjson.dumps(json.loads(earlier)["messages"])[:-1]  # the history, without its "]"
        assert before in later  # the same compressed history, byte for byte, then the new turn
        assert (
            json.loads(later)["messages"][: len(json.loads(earlier)["messages"])]
            == json.loads(earlier)["messages"]
        )


async def test_translated_requests_are_shrunk_too(gw: Gateway, gpt: FakeOpenAI) -> None:
    await send(gw, "openai/gpt-4.1", turn(1))
    tool_message = next(m for m in gpt.chat_requests[-1].json["messages"] if m["role"] == "tool")
    assert len(tool_message["content"]) < len(PYTEST_OUTPUT) * 0.6 and FAILING in tool_message["content"]


async def test_the_header_and_the_setting_turn_them_off(gw: Gateway, claude: FakeAnthropic) -> None:
    await send(gw, "anthropic/claude-sonnet-4-5", turn(1), **{"x-vansroute-token-saver": "off"})
    assert tool_text(claude.requests[-1].json) == PYTEST_OUTPUT
    assert "x-vansroute-token-saver" not in claude.requests[-1].headers
    saver_settings.update(gw.admin.store, use="off")
    await gw.wait_for_config()
    await send(gw, "anthropic/claude-sonnet-4-5", turn(1))
    assert tool_text(claude.requests[-1].json) == PYTEST_OUTPUT


async def test_caveman_is_added_to_the_system_prompt(gw: Gateway, gpt: FakeOpenAI) -> None:
    saver_settings.update(gw.admin.store, use="rtk,caveman", level="ultra")
    await gw.wait_for_config()
    async with openai.AsyncOpenAI(base_url=gw.v1, api_key=gw.key, max_retries=0) as c:
        await c.chat.completions.create(
            model="openai/gpt-4.1",
            messages=[{"role": "system", "content": "You are a coder."}, {"role": "user", "content": "hi"}],
        )
    system = gpt.chat_requests[-1].json["messages"][0]
    assert system["role"] in ("system", "developer")
    text = system["content"] if isinstance(system["content"], str) else json.dumps(system["content"])
    assert text.startswith("You are a coder.") and len(text) > len("You are a coder.") + 20


async def test_headroom_compresses_and_a_dead_headroom_changes_nothing(
    gw: Gateway, claude: FakeAnthropic
) -> None:
    async with FakeHeadroom() as headroom:
        saver_settings.update(gw.admin.store, use="headroom", headroom_url=headroom.url)
        await gw.wait_for_config()
        await send(gw, "anthropic/claude-sonnet-4-5", turn(1))
        assert headroom.requests, "Headroom was asked"
        assert "[headroom:" in tool_text(claude.requests[-1].json)
    saver_settings.update(gw.admin.store, headroom_url="http://127.0.0.1:9/v1/compress")  # nothing listens
    await gw.wait_for_config()
    messages = turn(1)
    messages[-1]["content"][0]["content"] = PYTEST_OUTPUT + "\nnew run\n" * 3  # type: ignore[index]
    await send(gw, "anthropic/claude-sonnet-4-5", messages)
    assert tool_text(claude.requests[-1].json).endswith("new run\n")


async def test_a_key_has_its_own_choice_and_usage_records_the_saving(
    gw: Gateway, claude: FakeAnthropic
) -> None:
    from app.core.events import RequestFinished
    from app.services.key_limits import LimitChanges

    seen: list[RequestFinished] = []
    gw.runtime.bus.subscribe(RequestFinished, seen.append)
    _, raw_key = gw.admin.create_key("raw", LimitChanges(token_savers="off"))
    await gw.wait_for_config()
    async with anthropic.AsyncAnthropic(base_url=gw.url, api_key=raw_key, max_retries=0) as a:
        await a.messages.create(
            model="anthropic/claude-sonnet-4-5", max_tokens=10, messages=turn(1), tools=TOOLS
        )  # type: ignore[arg-type]
    assert tool_text(claude.requests[-1].json) == PYTEST_OUTPUT  # this key's choice: off
    await send(gw, "anthropic/claude-sonnet-4-5", turn(1))  # the default key follows the global setting
    assert tool_text(claude.requests[-1].json) != PYTEST_OUTPUT
    for _ in range(50):  # the count runs in a worker thread; the row follows within milliseconds
        if len(seen) >= 2:
            break
        await asyncio.sleep(0.02)
    off, on = seen[0].usage, seen[1].usage
    assert off.saver_tokens_before is None and off.api_key_name == "raw"
    assert on.saver_tokens_before is not None and on.saver_tokens_after is not None
    assert on.saver_tokens_before == count_text(PYTEST_OUTPUT)  # the offline tokenizer, exactly
    assert on.saver_tokens_after == count_text(tool_text(claude.requests[-1].json))
    assert on.saver_tokens_before > on.saver_tokens_after > 0
    await gw.runtime.stop()  # flushes usage
    totals = gw.admin.usage().totals(UsageDimension.KEY)
    assert {t.group: t.saved_tokens for t in totals}[
        "tests"
    ] == on.saver_tokens_before - on.saver_tokens_after


async def test_responses_and_gemini_clients_get_the_same_treatment(gw: Gateway, gpt: FakeOpenAI) -> None:
    import aiohttp

    async with openai.AsyncOpenAI(base_url=gw.v1, api_key=gw.key, max_retries=0) as c:
        await c.responses.create(
            model="openai/gpt-4.1",
            input=[
                {"role": "user", "content": "fix the tests"},
                {"type": "function_call", "call_id": "c1", "name": "shell", "arguments": '{"cmd": "pytest"}'},
                {"type": "function_call_output", "call_id": "c1", "output": PYTEST_OUTPUT},
            ],
            store=False,
        )
    tool_message = next(m for m in gpt.chat_requests[-1].json["messages"] if m["role"] == "tool")
    assert len(tool_message["content"]) < len(PYTEST_OUTPUT) * 0.6 and FAILING in tool_message["content"]

    gemini_body = {
        "contents": [
            {"role": "user", "parts": [{"text": "fix the tests"}]},
            {"role": "model", "parts": [{"functionCall": {"name": "shell", "args": {"cmd": "pytest"}}}]},
            {
                "role": "user",
                "parts": [{"functionResponse": {"name": "shell", "response": {"output": PYTEST_OUTPUT}}}],
            },
        ]
    }
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{gw.url}/v1beta/models/openai/gpt-4.1:generateContent",
            json=gemini_body,
            headers={"x-goog-api-key": gw.key},
        ) as response,
    ):
        assert response.status == 200, await response.text()
    tool_message = next(m for m in gpt.chat_requests[-1].json["messages"] if m["role"] == "tool")
    assert len(tool_message["content"]) < len(PYTEST_OUTPUT) * 0.6 and FAILING in tool_message["content"]
