"""`vansroute keys create/set/show` with access lists, limits and budgets, and `vansroute usage`,
against a headless gateway in a subprocess and a fake upstream: what a user types and reads."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import openai
import pytest

from tests.e2e.conftest import Served, base_env, cli, start_serving
from tests.fakes.anthropic_upstream import Behaviour, FakeAnthropic

FAIL_KEYRING = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return base_env(tmp_path / "data", UPSTREAM_KEY="k-ant", **FAIL_KEYRING)


async def test_keys_with_limits(env: dict[str, str]) -> None:
    made = await cli(
        env, "keys", "create", "ci", "--providers", "anthropic", "--kinds", "chat,models", "--rpm", "30"
    )
    assert made.code == 0, made.err
    shown = await cli(env, "keys", "show", "ci")
    assert shown.code == 0, shown.err
    lines = {" ".join(line.split()) for line in shown.out.splitlines()}
    assert {
        "providers anthropic",
        "combos all",
        "kinds chat,models",
        "requests per minute 30",
        "concurrent requests no limit",
        "monthly budget none",
        "spent this month $0.0000",
    } <= lines
    changed = await cli(env, "keys", "set", "ci", "--budget", "12.5", "--concurrency", "2", "--kinds", "all")
    assert changed.code == 0, changed.err
    lines = {" ".join(line.split()) for line in (await cli(env, "keys", "show", "ci")).out.splitlines()}
    assert {"kinds all", "concurrent requests 2", "monthly budget $12.50", "requests per minute 30"} <= lines
    listed = (await cli(env, "keys", "list")).out
    assert "providers=anthropic rpm=30 concurrency=2 budget=$12.50" in listed


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["keys", "create", "x", "--rpm", "0"], "--rpm must be at least 1"),
        (["keys", "create", "x", "--kinds", "chat,embeddings"], "--kinds: unknown embeddings"),
        (["keys", "create", "x", "--budget", "lots"], "the monthly budget must be an amount in USD"),
        (["keys", "set", "ghost", "--rpm", "5"], "no active API key named 'ghost'"),
        (["keys", "set", "ghost"], "nothing to change"),
        (["keys", "show", "ghost"], "no active API key named 'ghost'"),
        (["usage", "--since", "yesterday"], "cannot read 'yesterday' as a start time"),
    ],
)
async def test_bad_input_is_a_clear_error(env: dict[str, str], args: list[str], fragment: str) -> None:
    result = await cli(env, *args)
    assert result.code == 2, result
    assert fragment in result.err
    assert "Traceback" not in result.err
    # A refused create leaves no key behind.
    assert "no keys yet" in (await cli(env, "keys", "list")).out


async def test_usage_after_requests_and_a_graceful_stop(env: dict[str, str], serving: list[Served]) -> None:
    assert "no requests in this period" in (await cli(env, "usage")).out
    async with FakeAnthropic(models=("claude-opus-4-7",), api_key="k-ant") as fake:
        served = await start_serving(env, "--headless")
        serving.append(served)
        added = await cli(
            env,
            "providers",
            "add",
            "anthropic",
            "--type",
            "anthropic",
            "--base-url",
            fake.base_url,
            "--models",
            "claude-opus-4-7",
            "--key-env",
            "UPSTREAM_KEY",
        )
        assert added.code == 0, added.err
        key = (await cli(env, "keys", "create", "laptop", "--rpm", "3")).out.strip().splitlines()[-1]
        fake.script(*[Behaviour(usage={"input_tokens": 1000, "output_tokens": 200})] * 3)
        async with openai.AsyncOpenAI(base_url=served.url + "/v1", api_key=key, max_retries=0) as client:
            for _ in range(100):  # until the gateway has loaded the provider and the key
                try:
                    await client.chat.completions.create(
                        model="anthropic/claude-opus-4-7", messages=[{"role": "user", "content": "hi"}]
                    )
                    break
                except (openai.AuthenticationError, openai.NotFoundError, openai.APIStatusError):
                    await asyncio.sleep(0.1)
            for _ in range(2):
                await client.chat.completions.create(
                    model="anthropic/claude-opus-4-7", messages=[{"role": "user", "content": "hi"}]
                )
            with pytest.raises(openai.RateLimitError, match="limited to 3 requests per minute"):
                await client.chat.completions.create(
                    model="anthropic/claude-opus-4-7", messages=[{"role": "user", "content": "hi"}]
                )
        # SIGTERM is a graceful stop: every queued usage row is written before the process exits.
        assert await served.stop(signal.SIGTERM) == 0

    by_key = await cli(env, "usage", "--by", "key")
    assert by_key.code == 0, by_key.err
    row = next(line.split() for line in by_key.out.splitlines() if line.startswith("laptop"))
    # KEY REQUESTS ERRORS IN OUT CACHED REASONING COST …: 3 answered at 1000 in / 200 out, 1 refused.
    assert row[1:8] == ["4", "1", "3,000", "600", "0", "0", "$0.0300"]
    by_app = await cli(env, "usage", "--by", "app", "--since", "today")
    assert any(line.startswith("openai-python") for line in by_app.out.splitlines()), by_app.out
    by_model = await cli(env, "usage", "--by", "model", "--since", "month")
    assert any(line.startswith("claude-opus-4-7") for line in by_model.out.splitlines()), by_model.out
    by_day = await cli(env, "usage")
    assert "DAY (UTC)" in by_day.out and "TOTAL" not in by_day.out
    recent = await cli(env, "usage", "--recent", "2")
    assert recent.code == 0
    lines = recent.out.splitlines()
    assert len(lines) == 3 and "429" in lines[1] and "200" in lines[2]
    shown = await cli(env, "keys", "show", "laptop")
    assert "$0.0300" in shown.out
