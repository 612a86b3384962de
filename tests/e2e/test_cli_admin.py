"""The admin commands as a user types them: clear messages and non-zero exits on bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import base_env, cli

FAIL_KEYRING = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return base_env(tmp_path / "data", **FAIL_KEYRING)


async def test_keys_lifecycle(env: dict[str, str]) -> None:
    made = await cli(env, "keys", "create", "ci")
    assert made.code == 0
    key = made.out.strip().splitlines()[-1]
    listed = await cli(env, "keys", "list")
    assert "ci" in listed.out and key[:8] in listed.out and key not in listed.out
    assert (await cli(env, "keys", "create", "ci")).code == 2  # name taken while active
    assert (await cli(env, "keys", "revoke", "ci")).code == 0
    assert "revoked" in (await cli(env, "keys", "list")).out
    gone = await cli(env, "keys", "revoke", "ci")
    assert gone.code == 2 and "error:" in gone.err


@pytest.mark.parametrize(
    ("args", "stdin", "fragment"),
    [
        (["accounts", "add", "nope"], "sk-1", "no provider 'nope'"),
        (
            ["providers", "add", "x", "--type", "openai", "--base-url", "ftp://host"],
            "sk-1",
            "invalid base URL",
        ),
        (
            ["providers", "add", "x", "--type", "openai", "--base-url", "not a url"],
            "sk-1",
            "invalid base URL",
        ),
        (
            ["providers", "add", "x", "--type", "cohere", "--base-url", "http://h/v1"],
            "sk-1",
            "unknown provider type",
        ),
        (
            ["providers", "add", "Bad Id", "--type", "openai", "--base-url", "http://h/v1"],
            "sk-1",
            "invalid provider id",
        ),
        (
            ["providers", "add", "x", "--type", "openai", "--base-url", "http://h/v1"],
            "",
            "the API key is empty",
        ),
        (
            ["providers", "add", "x", "--type", "openai", "--base-url", "http://h/v1"],
            "  \n",
            "the API key is empty",
        ),
        (["providers", "remove", "ghost"], None, "no provider 'ghost'"),
        (
            ["providers", "add", "x", "--type", "openai", "--base-url", "http://h/v1", "--key-env", "1BAD"],
            None,
            "variable",
        ),
    ],
)
async def test_bad_input_is_a_clear_error(
    env: dict[str, str], args: list[str], stdin: str | None, fragment: str
) -> None:
    result = await cli(env, *args, stdin=stdin)
    assert result.code == 2, result
    assert fragment in result.err
    assert "Traceback" not in result.err


async def test_duplicate_provider_id(env: dict[str, str]) -> None:
    args = [
        "providers",
        "add",
        "acme",
        "--type",
        "openai",
        "--base-url",
        "http://127.0.0.1:1/v1",
        "--key-env",
        "ACME_KEY",
    ]
    assert (await cli(env, *args)).code == 0
    again = await cli(env, *args)
    assert again.code == 2
    assert "provider 'acme' already exists" in again.err


async def test_accounts_add_and_list_with_env_keys(env: dict[str, str]) -> None:
    await cli(
        env,
        "providers",
        "add",
        "acme",
        "--type",
        "anthropic",
        "--base-url",
        "https://api.example.com",
        "--key-env",
        "K1",
    )
    added = await cli(env, "accounts", "add", "acme", "--key-env", "K2", "--priority", "5", "--label", "work")
    assert added.code == 0, added.err
    listed = await cli(env, "accounts", "list")
    lines = listed.out.strip().splitlines()
    assert lines[0].split()[:3] == ["ID", "PROVIDER", "LABEL"]
    assert "work" in lines[1] and "5" in lines[1]  # higher priority first
    assert "default" in lines[2]


async def test_no_keyring_explains_what_to_do(env: dict[str, str]) -> None:
    result = await cli(
        env,
        "providers",
        "add",
        "acme",
        "--type",
        "openai",
        "--base-url",
        "https://api.example.com/v1",
        stdin="sk-secret-value-123",
    )
    assert result.code == 1
    assert "--key-env" in result.err
    assert "sk-secret-value-123" not in result.err + result.out
    assert "acme" not in (await cli(env, "providers", "list")).out  # nothing half-added


async def test_data_dir_flag_on_every_command(tmp_path: Path) -> None:
    env = base_env(tmp_path / "env-dir", **FAIL_KEYRING)
    flagged = tmp_path / "flag-dir"
    assert (await cli(env, "keys", "create", "a", "--data-dir", str(flagged))).code == 0
    assert (await cli(env, "--data-dir", str(flagged), "keys", "list")).out.count("a") >= 1
    assert (flagged / "vansroute.db").exists()
    assert "no keys yet" in (await cli(env, "keys", "list")).out


async def test_settings_list_set_unset(env: dict[str, str]) -> None:
    listed = await cli(env, "settings", "list")
    assert listed.code == 0
    line = next(x for x in listed.out.splitlines() if x.startswith("limiter.max_concurrency"))
    assert line.split()[1:3] == ["3", "default"] and "VANSROUTE_LIMITER_MAX_CONCURRENCY" in line
    assert (await cli(env, "settings", "set", "limiter.max_concurrency", "6")).code == 0
    line = next(
        x
        for x in (await cli(env, "settings", "list")).out.splitlines()
        if x.startswith("limiter.max_concurrency")
    )
    assert line.split()[1:3] == ["6", "set"]
    bad = await cli(env, "settings", "set", "limiter.max_concurrency", "lots")
    assert bad.code == 2 and "must be a number" in bad.err
    assert (await cli(env, "settings", "unset", "limiter.max_concurrency")).code == 0
    line = next(
        x
        for x in (await cli(env, "settings", "list")).out.splitlines()
        if x.startswith("limiter.max_concurrency")
    )
    assert line.split()[1:3] == ["3", "default"]


async def test_catalogue_lists_providers_and_adds_one_by_id(env: dict[str, str]) -> None:
    listed = await cli(env, "providers", "catalog")
    assert listed.code == 0
    ids = {line.split()[0] for line in listed.out.splitlines()[1:] if line.strip()}
    assert {"openai", "anthropic", "gemini", "kimchi", "ollama", "openrouter", "deepseek"} <= ids
    assert len(ids) >= 40
    kimchi = await cli(env, "providers", "catalog", "kimchi")
    assert kimchi.code == 0 and "kimi-k2.7" in kimchi.out and "glm-5.2-fp8" in kimchi.out
    added = await cli(env, "providers", "add", "deepseek", "--key-env", "DEEPSEEK_API_KEY")
    assert added.code == 0, added.err
    providers = (await cli(env, "providers", "list")).out
    assert "deepseek" in providers and "https://" in providers


async def test_a_local_server_needs_no_key(env: dict[str, str]) -> None:
    # FAIL_KEYRING: nothing may be written to a keyring for an account without a key.
    added = await cli(env, "providers", "add", "ollama")
    assert added.code == 0, added.err
    assert "no key" in added.out
    accounts = (await cli(env, "accounts", "list", "ollama")).out
    assert "none" in accounts.splitlines()[1]
    second = await cli(env, "accounts", "add", "ollama", "--label", "gpu-box", "--key-env", "OLLAMA_KEY")
    assert second.code == 0, second.err
    # A cloud provider still refuses an empty key.
    refused = await cli(env, "providers", "add", "groq", stdin="")
    assert refused.code != 0 and "key" in refused.err


async def test_combos_and_account_strategy_from_the_command_line(env: dict[str, str]) -> None:
    for pid in ("groq", "deepseek"):
        assert (await cli(env, "providers", "add", pid, "--key-env", f"{pid.upper()}_KEY")).code == 0
    made = await cli(env, "combos", "add", "coder", "groq/llama-3.3-70b-versatile", "deepseek/deepseek-flash")
    assert made.code == 0, made.err
    assert "combo/coder" in made.out
    weighted = await cli(env, "combos", "set", "coder", "--strategy", "weighted", "--weights", "3,1")
    assert weighted.code == 0, weighted.err
    shown = (await cli(env, "combos", "show", "coder")).out
    assert "weighted" in shown and "1. groq/llama-3.3-70b-versatile" in shown and "weights=3,1" in shown
    assert "coder" in (await cli(env, "combos", "list")).out
    loop = await cli(env, "combos", "add", "outer", "combo/coder")
    assert loop.code == 0
    refused = await cli(env, "combos", "set", "coder", "--strategy", "fallback", "--members", "combo/outer")
    assert refused.code == 2 and "refer to themselves" in refused.err
    bad = await cli(env, "combos", "add", "x", "a/b", "--strategy", "fusion")
    assert bad.code == 2 and "panel of at least two" in bad.err
    assert (await cli(env, "combos", "remove", "outer")).code == 0
    assert (await cli(env, "combos", "remove", "coder")).code == 0

    sticky = await cli(env, "providers", "set", "groq", "--accounts", "sticky-round-robin", "--sticky", "5")
    assert sticky.code == 0 and "5 requests each" in sticky.out
    unknown = await cli(env, "providers", "set", "nope", "--accounts", "round-robin")
    assert unknown.code != 0 and "no provider 'nope'" in unknown.err


async def test_providers_models_lists_and_refreshes(env: dict[str, str]) -> None:
    from tests.fakes.openai_upstream import FakeOpenAI

    async with FakeOpenAI(models=("my-local-model",), api_key=None) as server:
        added = await cli(env, "providers", "add", "ollama", "--base-url", server.base_url)
        assert added.code == 0, added.err
        before = await cli(env, "providers", "models", "ollama")
        assert "catalogue" in before.out and "my-local-model" not in before.out
        refreshed = await cli(env, "providers", "models", "ollama", "--refresh")
        assert refreshed.code == 0, refreshed.err
        assert "lists 1 models" in refreshed.err
        row = next(line for line in refreshed.out.splitlines() if line.startswith("my-local-model"))
        assert row.split()[-1] == "provider"
    down = await cli(env, "providers", "models", "ollama", "--refresh")  # the server is gone now
    assert down.code == 1 and "could not list the models" in down.err


async def test_accounts_can_be_edited_disabled_and_enabled(env: dict[str, str]) -> None:
    assert (await cli(env, "providers", "add", "groq", "--key-env", "GROQ_KEY")).code == 0
    second = await cli(env, "accounts", "add", "groq", "--label", "spare", "--key-env", "GROQ_KEY2")
    assert second.code == 0, second.err
    account_id = second.out.split("(id ")[1].split(")")[0]
    edited = await cli(
        env,
        "accounts",
        "set",
        account_id,
        "--priority",
        "5",
        "--max-concurrency",
        "2",
        "--proxy",
        "socks5://127.0.0.1:1080",
    )
    assert edited.code == 0, edited.err
    assert "priority 5" in edited.out and "max concurrency 2" in edited.out and "proxy set" in edited.out
    assert (await cli(env, "accounts", "set", account_id, "--proxy", "")).out.endswith("proxy none.\n")
    assert (await cli(env, "accounts", "disable", account_id)).code == 0
    row = next(
        line for line in (await cli(env, "accounts", "list", "groq")).out.splitlines() if "spare" in line
    )
    assert row.split()[4] == "no"
    assert (await cli(env, "accounts", "enable", account_id)).code == 0
    row = next(
        line for line in (await cli(env, "accounts", "list", "groq")).out.splitlines() if "spare" in line
    )
    assert row.split()[3:5] == ["5", "yes"]
    clash = await cli(env, "accounts", "set", account_id, "--label", "default")
    assert clash.code != 0 and "labelled 'default'" in clash.err
    nothing = await cli(env, "accounts", "set", account_id)
    assert nothing.code == 2 and "nothing to change" in nothing.err


async def test_savers_setting_from_the_command_line(env: dict[str, str]) -> None:
    shown = await cli(env, "savers")
    assert shown.code == 0 and "token savers: rtk (level full)" in shown.out
    changed = await cli(env, "savers", "set", "--use", "rtk,caveman", "--level", "lite")
    assert changed.code == 0 and "caveman, rtk (level lite)" in changed.out
    bad = await cli(env, "savers", "set", "--use", "rtk,zip")
    assert bad.code == 2 and "unknown token saver" in bad.err
    assert "token savers: off" in (await cli(env, "savers", "off")).out


async def test_a_key_can_have_its_own_token_savers(env: dict[str, str]) -> None:
    made = await cli(env, "keys", "create", "ci-bot", "--savers", "caveman,rtk")
    assert made.code == 0, made.err
    assert "token savers" in (shown := (await cli(env, "keys", "show", "ci-bot")).out)
    assert "caveman,rtk" in shown
    assert (await cli(env, "keys", "set", "ci-bot", "--savers", "off")).code == 0
    assert "savers=off" in (await cli(env, "keys", "list")).out
    bad = await cli(env, "keys", "set", "ci-bot", "--savers", "zip")
    assert bad.code == 2 and "unknown token saver" in bad.err
    assert (await cli(env, "keys", "set", "ci-bot", "--savers", "default")).code == 0
    assert "the global setting" in (await cli(env, "keys", "show", "ci-bot")).out
