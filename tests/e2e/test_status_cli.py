"""`vansroute status` and the hand controls, against a running gateway, as a user types them."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from tests.e2e.conftest import Served, base_env, cli, start_serving


async def test_status_shows_a_tripped_breaker_and_reset_closes_it(
    tmp_path: Path, serving: list[Served]
) -> None:
    env = base_env(
        tmp_path / "data", DEAD_KEY="sk-dead", PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring"
    )
    served = await start_serving(env, "--headless")
    serving.append(served)
    key = (await cli(env, "keys", "create", "me")).out.strip().splitlines()[-1]
    # Five accounts of a provider nobody listens for: each fails once and the breaker opens.
    assert (
        await cli(
            env,
            "providers",
            "add",
            "dead",
            "--type",
            "openai",
            "--base-url",
            "http://127.0.0.1:9/v1",
            "--key-env",
            "DEAD_KEY",
        )
    ).code == 0
    for i in range(4):
        assert (
            await cli(env, "accounts", "add", "dead", "--key-env", "DEAD_KEY", "--label", f"a{i}")
        ).code == 0

    async with aiohttp.ClientSession() as s:
        for _ in range(60):  # until the gateway has loaded the five accounts
            async with s.post(
                served.url + "/v1/chat/completions",
                json={"model": "dead/m", "messages": [{"role": "user", "content": "x"}]},
                headers={"Authorization": f"Bearer {key}"},
            ) as resp:
                if resp.status == 503:  # the breaker is open: the gateway fails fast
                    break

    status = await cli(env, "status")
    assert status.code == 0, status.err
    assert "Breakers" in status.out and "dead:direct" in status.out and "open" in status.out
    assert "Cooldowns" in status.out and "Concurrency" in status.out

    reset = await cli(env, "breakers", "reset", "dead:direct")
    assert reset.code == 0, reset.err
    after = await cli(env, "status")
    breaker_lines = [
        line for line in after.out.splitlines() if line.startswith("dead:direct") and "open" in line
    ]
    assert breaker_lines == []

    reactivated = await cli(env, "accounts", "reactivate", "1")
    assert reactivated.code == 0 and "Reactivated account 'default'" in reactivated.out
    assert await served.stop() == 0


async def test_status_without_a_running_gateway_says_so(tmp_path: Path) -> None:
    env = base_env(tmp_path / "data")
    result = await cli(env, "status")
    assert result.code == 0
    assert "the gateway is not running" in result.out
    assert "Accounts out of routing" in result.out
