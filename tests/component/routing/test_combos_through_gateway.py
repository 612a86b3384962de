"""Combos, account selection and session stickiness as clients see them, against fake upstreams."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import anthropic
import openai
import pytest

from app.services.admin import KeySource
from app.services.combos import ComboAdmin
from tests.component.conftest import Gateway, start_gateway
from tests.fakes.anthropic_upstream import Behaviour as AnthropicBehaviour
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.openai_upstream import Behaviour, FakeOpenAI

MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.fixture
async def one() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI(models=("m1",), api_key="k1") as f:
        yield f


@pytest.fixture
async def two() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI(models=("m2",), api_key="k2") as f:
        yield f


@pytest.fixture
async def claude() -> AsyncIterator[FakeAnthropic]:
    async with FakeAnthropic(models=("claude-sonnet-4-5",), api_key="ka") as f:
        yield f


@pytest.fixture
async def gw(
    tmp_path: Path, one: FakeOpenAI, two: FakeOpenAI, claude: FakeAnthropic
) -> AsyncIterator[Gateway]:
    gateway = await start_gateway(tmp_path)
    admin = gateway.admin
    admin.add_provider(
        "one", wire_format="openai", base_url=one.base_url, models=None, key=KeySource(value="k1")
    )
    admin.add_provider(
        "two", wire_format="openai", base_url=two.base_url, models=None, key=KeySource(value="k2")
    )
    admin.add_provider(
        "anthropic",
        wire_format="anthropic",
        base_url=claude.base_url,
        models=None,
        key=KeySource(value="ka"),
    )
    await gateway.wait_for_config()
    try:
        yield gateway
    finally:
        await gateway.runtime.stop()
        gateway.store.db.close()


def combos(gw: Gateway) -> ComboAdmin:
    return ComboAdmin(gw.admin.store)


async def ask(gw: Gateway, model: str, messages: list[dict[str, str]] | None = None, **headers: str) -> str:
    async with openai.AsyncOpenAI(
        base_url=gw.v1, api_key=gw.key, max_retries=0, default_headers=headers
    ) as c:
        raw = await c.chat.completions.with_raw_response.create(model=model, messages=messages or MESSAGES)  # type: ignore[arg-type]
    return raw.headers["x-vansroute-provider"]


async def test_fallback_goes_to_the_next_member_when_the_first_fails(
    gw: Gateway, one: FakeOpenAI, two: FakeOpenAI
) -> None:
    combos(gw).add("coder", "fallback", ["one/m1", "two/m2"])
    await gw.wait_for_config()
    one.script(Behaviour(status=500))
    assert await ask(gw, "combo/coder") == "two"
    # A bare combo name works too; the failed member is cooling down, so the second answers again.
    assert await ask(gw, "coder") == "two"
    assert one.chat_requests[-1].json["model"] == "m1" and two.chat_requests[-1].json["model"] == "m2"


async def test_round_robin_rotates_the_start(gw: Gateway) -> None:
    combos(gw).add("rr", "round-robin", ["one/m1", "two/m2"])
    await gw.wait_for_config()
    # Different conversations (the same one would stay where it started: session stickiness).
    served = [await ask(gw, "combo/rr", [{"role": "user", "content": f"q{i}"}]) for i in range(4)]
    assert served == ["one", "two", "one", "two"]


async def test_weighted_favours_the_heavier_member(gw: Gateway) -> None:
    combos(gw).add("w", "weighted", ["one/m1", "two/m2"], {"weights": [9, 1]})
    await gw.wait_for_config()
    served = [await ask(gw, "combo/w", [{"role": "user", "content": f"q{i}"}]) for i in range(40)]
    assert served.count("one") > served.count("two") > 0 or served.count("one") >= 30


async def test_capacity_puts_a_vision_model_first_for_an_image(gw: Gateway, claude: FakeAnthropic) -> None:
    # gpt-like models of custom providers have no catalogue data; the catalogue knows Claude sees images.
    combos(gw).add("cap", "capacity", ["one/m1", "anthropic/claude-sonnet-4-5"])
    await gw.wait_for_config()
    image = {
        "role": "user",
        "content": [
            {"type": "text", "text": "what is this?"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
        ],
    }
    assert await ask(gw, "combo/cap", [image]) == "anthropic"  # type: ignore[list-item]
    assert await ask(gw, "combo/cap") == "one"  # text only: declared order


async def test_cheapest_prefers_the_known_cheaper_model(gw: Gateway, tmp_path: Path) -> None:
    async with FakeOpenAI(models=("gpt-4.1-mini", "gpt-4.1"), api_key="ko") as openai_fake:
        gw.admin.add_known_provider(
            "openai", wire_format=None, base_url=openai_fake.base_url, models=None, key=KeySource(value="ko")
        )
        await gw.wait_for_config()
        price = {m.id: m.price for m in gw.admin.catalog_entry("openai").models}
        assert price["gpt-4.1-mini"] and price["gpt-4.1"]
        assert price["gpt-4.1-mini"].input < price["gpt-4.1"].input  # type: ignore[union-attr]
        combos(gw).add("cheap", "cheapest", ["openai/gpt-4.1", "openai/gpt-4.1-mini", "one/m1"])
        await gw.wait_for_config()
        await ask(gw, "combo/cheap")
        assert openai_fake.chat_requests[-1].json["model"] == "gpt-4.1-mini"


async def test_context_window_skips_a_model_too_small(gw: Gateway, claude: FakeAnthropic) -> None:
    async with FakeOpenAI(models=("gpt-4o-mini",), api_key="ko") as small:
        gw.admin.add_known_provider(
            "openai", wire_format=None, base_url=small.base_url, models=None, key=KeySource(value="ko")
        )
        combos(gw).add("long", "context-window", ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4-5"])
        await gw.wait_for_config()
        window = next(
            m.context_window for m in gw.admin.catalog_entry("openai").models if m.id == "gpt-4o-mini"
        )
        assert window
        long_text = "word " * int(
            window * 0.9
        )  # ~4.5 bytes a word: over the window by the gateway's estimate
        assert await ask(gw, "combo/long", [{"role": "user", "content": long_text}]) == "anthropic"
        assert await ask(gw, "combo/long") == "openai"


async def test_least_busy_and_lowest_latency_pick_the_idle_and_the_fast(gw: Gateway, one: FakeOpenAI) -> None:
    combos(gw).add("fast", "lowest-latency", ["one/m1", "two/m2"])
    await gw.wait_for_config()
    one.default_behaviour = Behaviour(delay_first_byte=0.3)
    for i in range(3):  # both get measured, then the fast one wins
        await ask(gw, "combo/fast", [{"role": "user", "content": f"q{i}"}])
    assert await ask(gw, "combo/fast", [{"role": "user", "content": "last"}]) == "two"
    one.default_behaviour = Behaviour()
    combos(gw).add("idle", "least-busy", ["one/m1", "two/m2"])
    await gw.wait_for_config()
    assert await ask(gw, "combo/idle") == "one"  # both idle: declared order


async def test_fusion_asks_the_panel_without_tools_and_the_judge_synthesises(
    gw: Gateway, one: FakeOpenAI, two: FakeOpenAI, claude: FakeAnthropic
) -> None:
    combos(gw).add(
        "panel", "fusion", ["one/m1", "two/m2"], {"judge": "anthropic/claude-sonnet-4-5", "grace_s": 2.0}
    )
    await gw.wait_for_config()
    one.script(Behaviour(text="Paris is the capital."))
    two.script(Behaviour(text="The capital is Paris, on the Seine."))
    claude.script(AnthropicBehaviour(echo=True))  # the judge repeats what it was given
    tools = [{"type": "function", "function": {"name": "search", "parameters": {"type": "object"}}}]
    async with openai.AsyncOpenAI(base_url=gw.v1, api_key=gw.key, max_retries=0) as c:
        answer = await c.chat.completions.create(
            model="combo/panel",
            messages=[{"role": "user", "content": "capital of France?"}],
            tools=tools,  # type: ignore[arg-type]
        )
    assert "tools" not in one.chat_requests[-1].json and "tools" not in two.chat_requests[-1].json
    judged = answer.choices[0].message.content or ""
    assert "Paris is the capital." in judged and "on the Seine" in judged
    assert claude.requests[-1].json["tools"]  # the judge may still act


async def test_fusion_leaves_a_straggler_behind(
    gw: Gateway, one: FakeOpenAI, two: FakeOpenAI, claude: FakeAnthropic
) -> None:
    combos(gw).add(
        "quick", "fusion", ["one/m1", "two/m2"], {"judge": "anthropic/claude-sonnet-4-5", "grace_s": 0.2}
    )
    await gw.wait_for_config()
    one.script(Behaviour(text="fast answer"))
    two.script(Behaviour(text="slow answer", delay_first_byte=3.0))
    claude.script(AnthropicBehaviour(echo=True))
    async with anthropic.AsyncAnthropic(base_url=gw.url, api_key=gw.key, max_retries=0) as a:
        msg = await a.messages.create(model="combo/quick", max_tokens=200, messages=MESSAGES)  # type: ignore[arg-type]
    text = msg.content[0].text  # type: ignore[union-attr]
    assert "fast answer" in text and "slow answer" not in text


async def test_account_round_robin_and_session_stickiness(gw: Gateway, one: FakeOpenAI) -> None:
    gw.admin.add_account("one", key=KeySource(value="k1"), label="second")
    gw.admin.set_account_strategy("one", "round-robin", None)
    await gw.wait_for_config()

    async def account(**headers: str) -> str:
        async with openai.AsyncOpenAI(
            base_url=gw.v1, api_key=gw.key, max_retries=0, default_headers=headers
        ) as c:
            raw = await c.chat.completions.with_raw_response.create(
                model="one/m1", messages=[{"role": "user", "content": headers.get("x-q", "hi")}]
            )
        return raw.headers["x-vansroute-account"]

    # Without a session, turns alternate between the two accounts.
    rotated = [await account(**{"x-q": f"question {i}"}) for i in range(4)]
    assert set(rotated) == {"default", "second"} and rotated[0] != rotated[1]
    # One Claude Code session stays on one account turn after turn.
    pinned = {await account(**{"X-Claude-Code-Session-Id": "s-1", "x-q": f"turn {i}"}) for i in range(4)}
    assert len(pinned) == 1


async def test_a_conversation_without_a_session_id_sticks_by_its_opening(gw: Gateway) -> None:
    gw.admin.add_account("one", key=KeySource(value="k1"), label="second")
    gw.admin.set_account_strategy("one", "round-robin", None)
    await gw.wait_for_config()
    history = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "start"}]
    seen = set()
    for turn in range(4):
        async with openai.AsyncOpenAI(base_url=gw.v1, api_key=gw.key, max_retries=0) as c:
            raw = await c.chat.completions.with_raw_response.create(model="one/m1", messages=history)  # type: ignore[arg-type]
        seen.add(raw.headers["x-vansroute-account"])
        history = [
            *history,
            {"role": "assistant", "content": "ok"},
            {"role": "user", "content": f"next {turn}"},
        ]
    assert len(seen) == 1


async def test_unknown_model_lists_the_closest_matches(gw: Gateway) -> None:
    combos(gw).add("coder", "fallback", ["one/m1", "two/m2"])
    await gw.wait_for_config()
    with pytest.raises(openai.NotFoundError) as info:
        await ask(gw, "combo/codr")
    assert "combo/coder" in str(info.value)
    async with anthropic.AsyncAnthropic(base_url=gw.url, api_key=gw.key, max_retries=0) as a:
        with pytest.raises(anthropic.NotFoundError) as denied:
            await a.messages.create(model="sonnet-4-5", max_tokens=10, messages=MESSAGES)  # type: ignore[arg-type]
    assert "claude-sonnet-4-5" in str(denied.value)


async def test_an_exhausted_combo_is_announced(gw: Gateway, one: FakeOpenAI, two: FakeOpenAI) -> None:
    from app.core.events import ComboExhausted

    seen: list[ComboExhausted] = []
    gw.runtime.bus.subscribe(ComboExhausted, seen.append)
    combos(gw).add("doomed", "fallback", ["one/m1", "two/m2"])
    await gw.wait_for_config()
    one.script(Behaviour(status=500))
    two.script(Behaviour(status=500))
    with pytest.raises(openai.APIStatusError):
        await ask(gw, "combo/doomed")
    assert [(e.combo, e.attempts) for e in seen] == [("doomed", 2)]
