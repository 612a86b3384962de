"""`vansroute configure` proven with the real Claude Code and Codex CLIs from npm.

The user's home (a temporary directory) starts with realistic files of their own: comments, other
settings, another router's URL and key. `vansroute configure TOOL` runs as a subprocess against the
data directory of a running gateway; then the real CLI, given nothing but that HOME (no ANTHROPIC_*
variables, no hand-written provider table), answers a prompt through the gateway and a fake upstream,
and the gateway records the request under the tool's own key. `--restore` then puts each file back
byte for byte and the tool's key stops working.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from app.core.events import RequestFinished
from app.services.admin import KeySource
from tests.component.conftest import Gateway, start_gateway
from tests.e2e.clis import (
    CLAUDE,
    CODEX,
    NetworkSink,
    base_env,
    network_sink,
    require_cli,
    run_cli,
)
from tests.e2e.conftest import Result, cli
from tests.e2e.conftest import base_env as app_env
from tests.fakes.anthropic_upstream import Behaviour, FakeAnthropic

pytestmark = pytest.mark.timeout(300)

FAIL_KEYRING = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}

# What a Claude Code user's settings look like: their permissions and options, and an env block that
# points at another router (with its key) and switches off Claude Code's calls home.
CLAUDE_SETTINGS = """\
{
    "$schema": "https://json.schemastore.org/claude-code-settings.json",
    "permissions": {
        "allow": ["Bash(git status)", "Read(~/notes/**)"],
        "deny": []
    },
    "env": {
        "ANTHROPIC_BASE_URL": "http://127.0.0.1:9/other-router",
        "ANTHROPIC_AUTH_TOKEN": "sk-other-router-0000",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_TELEMETRY": "1",
        "DISABLE_AUTOUPDATER": "1",
        "DISABLE_ERROR_REPORTING": "1",
        "CLAUDE_CODE_MAX_RETRIES": "0"
    },
    "includeCoAuthoredBy": false,
    "statusLine": {"type": "command", "command": "echo hi"}
}
"""

# A Codex user's config: comments, their own provider in use, trusted projects, and the switches
# that keep Codex from calling home.
CODEX_CONFIG = """\
# ~/.codex/config.toml — my settings
model = "gpt-5-codex"          # the one I like
model_provider = "openrouter"
approval_policy = "on-request"
check_for_update_on_startup = false

[analytics]
enabled = false  # ab.chatgpt.com

[feedback]
enabled = false

[features]
plugins = false

# My usual provider.
[model_providers.openrouter]
name = "OpenRouter"
base_url = "https://openrouter.ai/api/v1"
env_key = "OPENROUTER_API_KEY"
wire_api = "responses"

[projects."/home/me/src/app"]
trust_level = "trusted"
"""


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Gateway]:
    gw = await start_gateway(tmp_path / "gateway")
    try:
        yield gw
    finally:
        await gw.runtime.stop()
        gw.store.db.close()


@pytest.fixture
async def sink() -> AsyncIterator[NetworkSink]:
    async with network_sink() as s:
        yield s


@pytest.fixture
async def anthropic(gateway: Gateway) -> AsyncIterator[FakeAnthropic]:
    async with FakeAnthropic(models=("claude-fake-1",)) as fake:
        gateway.admin.add_provider(
            "ant",
            wire_format="anthropic",
            base_url=fake.base_url,
            models="claude-fake-1",
            key=KeySource(value=fake.api_key),
        )
        await gateway.wait_for_config()
        yield fake


@pytest.fixture
def seen_keys(gateway: Gateway) -> list[str | None]:
    """The gateway key name of every request the gateway finished."""
    names: list[str | None] = []
    gateway.runtime.bus.subscribe(RequestFinished, lambda event: names.append(event.usage.api_key_name))
    return names


def data_dir(gateway: Gateway) -> Path:
    return gateway.runtime.config.data_dir


async def vansroute(gateway: Gateway, home: Path, *args: str) -> Result:
    """The real command line, as a user runs it, against the running gateway's data directory."""
    env = app_env(data_dir(gateway), HOME=str(home), **FAIL_KEYRING)
    return await cli(env, *args, "--data-dir", str(data_dir(gateway)))


def key_state(gateway: Gateway, name: str) -> list[bool]:
    """The revoked flag of every key with that name (oldest first)."""
    return [k.revoked for k in gateway.admin.list_keys() if k.name == name]


async def gateway_accepts(gateway: Gateway, key: str) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.get(gateway.v1 + "/models", headers={"Authorization": f"Bearer {key}"}) as response,
    ):
        return response.status


def offline_env(home: Path, sink: NetworkSink) -> dict[str, str]:
    # Nothing about the gateway comes from the environment: only what `configure` wrote.
    return base_env(home, sink)


async def test_claude_code_configured_by_vansroute_reaches_the_gateway_with_its_own_key(
    gateway: Gateway,
    anthropic: FakeAnthropic,
    sink: NetworkSink,
    seen_keys: list[str | None],
    tmp_path: Path,
) -> None:
    claude = require_cli(CLAUDE)
    home = tmp_path / "home"
    settings = home / ".claude" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(CLAUDE_SETTINGS)
    settings.chmod(0o640)
    original = settings.read_bytes()

    dry = await vansroute(
        gateway, home, "configure", "claude-code", "--dry-run", "--model", "ant/claude-fake-1"
    )
    assert dry.code == 0, dry
    assert "+" in dry.out and "ANTHROPIC_BASE_URL" in dry.out and gateway.url in dry.out, dry.out
    assert "sk-other-router-0000" not in dry.out, "the diff must not show keys"
    assert settings.read_bytes() == original, "a dry run wrote the file"

    done = await vansroute(
        gateway,
        home,
        "configure",
        "claude-code",
        "--model",
        "ant/claude-fake-1",
        "--model",
        "haiku=ant/claude-fake-1",
    )
    assert done.code == 0, done
    assert key_state(gateway, "tool.claude-code") == [False]
    written = orjson.loads(settings.read_bytes())
    key = written["env"]["ANTHROPIC_AUTH_TOKEN"]
    assert key != "sk-other-router-0000" and key not in done.out + done.err, "the key is not printed"
    assert written["env"]["ANTHROPIC_BASE_URL"] == gateway.url
    # The user's other settings are untouched, values and all.
    before = orjson.loads(original)
    assert {k: v for k, v in written.items() if k != "env"} == {k: v for k, v in before.items() if k != "env"}
    assert settings.stat().st_mode & 0o777 == 0o640

    await gateway.wait_for_config()
    answer = f"Configured-{secrets.token_hex(3)}"
    anthropic.script(Behaviour(text=answer))
    run = await run_cli(
        [
            str(claude),
            "-p",
            "Say the word.",
            "--output-format",
            "json",
            "--no-session-persistence",
            "--max-turns",
            "2",
        ],
        env=offline_env(home, sink),
        cwd=tmp_path,
    )
    context = f"{run.describe()}\nsettings:\n{settings.read_text()}"
    assert run.code == 0 and not run.timed_out, context
    result = orjson.loads(run.stdout.strip().splitlines()[-1])
    assert result.get("is_error") is False and answer in result.get("result", ""), context
    generation = [r for r in anthropic.requests if r.method == "POST" and "count_tokens" not in r.path]
    assert generation and all(r.json["model"] == "claude-fake-1" for r in generation), context
    assert "tool.claude-code" in seen_keys, f"the gateway saw keys {seen_keys}\n{context}"
    assert set(seen_keys) == {"tool.claude-code"}, f"a request used another key: {seen_keys}"
    assert not sink.attempts, f"claude tried to reach {sink.hosts}"

    restored = await vansroute(gateway, home, "configure", "claude-code", "--restore")
    assert restored.code == 0, restored
    assert settings.read_bytes() == original, "restore did not put back the exact original bytes"
    assert settings.stat().st_mode & 0o777 == 0o640
    assert key_state(gateway, "tool.claude-code") == [True]
    await gateway.wait_for_config()
    assert await gateway_accepts(gateway, key) == 401


async def test_codex_configured_by_vansroute_reaches_the_gateway_with_its_own_key(
    gateway: Gateway,
    anthropic: FakeAnthropic,
    sink: NetworkSink,
    seen_keys: list[str | None],
    tmp_path: Path,
) -> None:
    codex = require_cli(CODEX)
    home = tmp_path / "home"
    config = home / ".codex" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(CODEX_CONFIG)
    original = config.read_bytes()

    done = await vansroute(gateway, home, "configure", "codex", "--model", "ant/claude-fake-1")
    assert done.code == 0, done
    text = config.read_text()
    # The user's comments, tables and values survive; only our keys changed.
    for line in CODEX_CONFIG.splitlines():
        if not line.startswith(("model =", "model_provider =")):
            assert line in text, f"lost {line!r}:\n{text}"
    assert 'model_provider = "vansroute"' in text and "[model_providers.vansroute]" in text, text
    assert key_state(gateway, "tool.codex") == [False]

    status = await vansroute(gateway, home, "configure", "codex", "--status")
    assert status.code == 0 and "configured" in status.out and gateway.url in status.out, status

    await gateway.wait_for_config()
    answer = f"Configured-{secrets.token_hex(3)}"
    anthropic.script(Behaviour(text=answer))
    workdir = tmp_path / "work"
    workdir.mkdir()
    last = tmp_path / "last-message.txt"
    run = await run_cli(
        [
            str(codex),
            "exec",
            "--strict-config",
            "--skip-git-repo-check",
            "--ephemeral",
            "--json",
            "--output-last-message",
            str(last),
            "Say the word.",
        ],
        env=offline_env(home, sink),
        cwd=workdir,
    )
    context = f"{run.describe()}\nconfig.toml:\n{config.read_text()}"
    assert run.code == 0 and not run.timed_out, context
    assert last.exists() and answer in last.read_text(), context
    assert anthropic.requests, context
    assert "tool.codex" in seen_keys, f"the gateway saw keys {seen_keys}\n{context}"
    assert set(seen_keys) == {"tool.codex"}, f"a request used another key: {seen_keys}"
    assert not sink.attempts, f"codex tried to reach {sink.hosts}"

    key = _codex_key(config.read_text())
    restored = await vansroute(gateway, home, "configure", "codex", "--restore")
    assert restored.code == 0, restored
    assert config.read_bytes() == original, "restore did not put back the exact original bytes"
    assert key_state(gateway, "tool.codex") == [True]
    await gateway.wait_for_config()
    assert await gateway_accepts(gateway, key) == 401


def _codex_key(text: str) -> str:
    import tomlkit

    doc: Any = tomlkit.parse(text)
    return str(doc["model_providers"]["vansroute"]["experimental_bearer_token"])


async def test_restore_all_puts_back_every_tool_and_a_missing_file_stays_missing(
    gateway: Gateway, tmp_path: Path
) -> None:
    """What an uninstaller runs: no Claude Code settings existed (so none remain), Codex's file is
    back byte for byte, both keys are revoked."""
    home = tmp_path / "home"
    config = home / ".codex" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(CODEX_CONFIG)
    original = config.read_bytes()
    for tool in ("claude-code", "codex"):
        result = await vansroute(gateway, home, "configure", tool)
        assert result.code == 0, result
    assert (home / ".claude" / "settings.json").exists()

    listed = await vansroute(gateway, home, "configure", "--list")
    assert listed.code == 0 and listed.out.count("configured") >= 2, listed

    result = await vansroute(gateway, home, "configure", "--restore-all")
    assert result.code == 0, result
    assert not (home / ".claude").exists(), "the settings file (and the folder) we created must go"
    assert config.read_bytes() == original
    assert key_state(gateway, "tool.claude-code") == [True]
    assert key_state(gateway, "tool.codex") == [True]
    again = await vansroute(gateway, home, "configure", "--restore-all")
    assert again.code == 0 and "nothing to restore" in again.out, again


async def test_a_broken_file_is_left_alone_with_a_clear_error(gateway: Gateway, tmp_path: Path) -> None:
    home = tmp_path / "home"
    settings = home / ".claude" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text('{\n  "env": {\n    "A": "1",\n  }\n}\n')
    original = settings.read_bytes()
    result = await vansroute(gateway, home, "configure", "claude-code")
    assert result.code == 2, result
    assert (
        "line 3, column 13" in result.err and "left untouched" in result.err and "Traceback" not in result.err
    )
    assert settings.read_bytes() == original
    assert key_state(gateway, "tool.claude-code") == [], "no key for a tool that was not configured"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["configure"], "name a tool"),
        (["configure", "vim"], "unknown tool 'vim'"),
        (["configure", "codex", "--model", "tiny=x"], "unknown model role"),
        (["configure", "opencode"], "--model"),
        (["configure", "codex", "--restore"], "not configured by VansRoute"),
        (["configure", "--list", "codex"], "take no tool"),
        (["configure", "codex", "--status", "--model", "a"], "--model is for configuring"),
    ],
)
async def test_bad_configure_input_is_a_clear_error(
    gateway: Gateway, tmp_path: Path, args: list[str], fragment: str
) -> None:
    result = await vansroute(gateway, tmp_path / "home", *args)
    assert result.code == 2, result
    assert fragment in result.err and "Traceback" not in result.err, result.err


async def test_cursor_shows_values_to_copy_with_its_own_key(gateway: Gateway, tmp_path: Path) -> None:
    result = await vansroute(
        gateway, tmp_path / "home", "configure", "cursor", "--model", "ant/claude-fake-1"
    )
    assert result.code == 0, result
    values = dict(line.split(": ", 1) for line in result.out.strip().splitlines())
    assert values["Override OpenAI Base URL"] == gateway.v1
    await gateway.wait_for_config()
    assert await gateway_accepts(gateway, values["OpenAI API Key"]) == 200
    assert key_state(gateway, "tool.cursor") == [False]
    assert (await vansroute(gateway, tmp_path / "home", "configure", "cursor", "--restore")).code == 0
    assert key_state(gateway, "tool.cursor") == [True]
