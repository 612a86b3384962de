""" "Test connection" (app.services.connection_test and `vansroute accounts test`) for each outcome,
against real fake upstreams, a closed port, a silent server and real (live or dead) proxies."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator

import pytest

from app.cli import EXIT_FAILURE, EXIT_OK, AdminCommands, build_parser
from app.core.records import AccountRecord, ProviderRecord, WireFormat
from app.credentials.memory_store import MemorySecretStore
from app.credentials.resolver import SecretResolver
from app.services import connection_test
from app.services.admin import KeySource
from app.services.connection_test import ConnectionResult, Verdict
from tests.component.conftest import UPSTREAM_KEY, Gateway
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.gemini_upstream import FakeGemini
from tests.fakes.openai_upstream import FakeOpenAI
from tests.fakes.proxies import HttpProxy, Socks5Proxy

PROXY_PASSWORD = "pr0xy-s3cret-pw"


async def probe(
    base_url: str,
    key: str = UPSTREAM_KEY,
    *,
    wire_format: WireFormat = WireFormat.OPENAI,
    proxy_url: str | None = None,
    timeout_s: float = 5.0,
    secret_ref: str | None = None,
) -> ConnectionResult:
    secrets = MemorySecretStore()
    provider = ProviderRecord(id="p", wire_format=wire_format, base_url=base_url)
    account = AccountRecord(
        id=7, provider_id="p", label="main", secret_ref=secret_ref or secrets.put(key), proxy_url=proxy_url
    )
    return await connection_test.test_account(
        provider, account, SecretResolver(secrets, {}), timeout_s=timeout_s
    )


async def closed_port() -> int:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port: int = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    return port


@pytest.fixture
async def silent_server() -> AsyncIterator[str]:
    """Accepts connections and never answers."""
    held = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        await reader.read()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/v1"
    server.close()
    for writer in held:
        writer.close()


async def test_the_right_key_is_working_with_a_latency(fake_openai: FakeOpenAI) -> None:
    result = await probe(fake_openai.base_url)
    assert (result.verdict, result.status, result.ok) == (Verdict.WORKING, 200, True)
    assert result.latency_ms is not None and result.latency_ms > 0
    assert result.describe().startswith("working (")
    assert fake_openai.requests[-1].path == "/v1/models"
    assert fake_openai.requests[-1].header("Authorization") == f"Bearer {UPSTREAM_KEY}"


async def test_a_wrong_key_is_a_bad_key(fake_openai: FakeOpenAI) -> None:
    result = await probe(fake_openai.base_url, "sk-wrong-key-123456")
    assert (result.verdict, result.status) == (Verdict.BAD_KEY, 401)
    assert "bad key" in result.describe()
    assert "sk-wrong" not in result.describe()


async def test_a_public_model_list_does_not_make_a_wrong_key_good(fake_openai: FakeOpenAI) -> None:
    # OpenRouter answers GET /models to anyone; its GET /key is where a key is checked.
    fake_openai.public_model_list = True
    secrets = MemorySecretStore()
    provider = ProviderRecord(id="openrouter", wire_format=WireFormat.OPENAI, base_url=fake_openai.base_url)

    async def check(key: str) -> ConnectionResult:
        account = AccountRecord(id=1, provider_id="openrouter", label="main", secret_ref=secrets.put(key))
        return await connection_test.test_account(provider, account, SecretResolver(secrets, {}), timeout_s=5)

    wrong = await check("sk-or-v1-wrong")
    assert (wrong.verdict, wrong.status) == (Verdict.BAD_KEY, 401)
    assert fake_openai.requests[-1].path == "/v1/key"
    assert (await check(UPSTREAM_KEY)).verdict is Verdict.WORKING
    # A custom provider on the same server still asks the model list (and would be fooled: nothing
    # in its catalogue entry says where else to look).
    assert (await probe(fake_openai.base_url, "sk-wrong")).verdict is Verdict.WORKING


async def test_a_closed_port_is_unreachable() -> None:
    result = await probe(f"http://127.0.0.1:{await closed_port()}/v1")
    assert result.verdict is Verdict.UNREACHABLE
    assert result.describe().startswith("unreachable: ")


async def test_a_silent_server_is_a_timeout(silent_server: str) -> None:
    result = await probe(silent_server, timeout_s=0.3)
    assert result.verdict is Verdict.TIMEOUT


async def test_a_wrong_base_url_is_an_http_error(fake_openai: FakeOpenAI) -> None:
    result = await probe(fake_openai.root_url)  # missing the /v1
    assert (result.verdict, result.status) == (Verdict.HTTP_ERROR, 404)
    assert "base URL" in result.describe()


async def test_a_missing_key_says_so() -> None:
    result = await probe("http://127.0.0.1:9/v1", secret_ref="env:VANSROUTE_TEST_UNSET_KEY")
    assert result.verdict is Verdict.NO_KEY
    assert "VANSROUTE_TEST_UNSET_KEY" in result.describe()


@pytest.mark.parametrize("kind", [HttpProxy, Socks5Proxy])
async def test_working_through_a_proxy_with_credentials(
    fake_openai: FakeOpenAI, kind: type[HttpProxy] | type[Socks5Proxy]
) -> None:
    async with kind(username="vans", password=PROXY_PASSWORD) as proxy:
        result = await probe(fake_openai.base_url, proxy_url=proxy.url)
    assert result.verdict is Verdict.WORKING
    assert proxy.relayed == 1


@pytest.mark.parametrize("kind", [HttpProxy, Socks5Proxy])
async def test_a_dead_proxy_is_proxy_failed_without_its_credentials(
    fake_openai: FakeOpenAI, kind: type[HttpProxy] | type[Socks5Proxy]
) -> None:
    async with kind(username="vans", password=PROXY_PASSWORD) as proxy:
        await proxy.kill()
        result = await probe(fake_openai.base_url, proxy_url=proxy.url)
    assert result.verdict is Verdict.PROXY_FAILED
    assert PROXY_PASSWORD not in repr(result) and PROXY_PASSWORD not in result.describe()
    assert fake_openai.requests == []


async def test_wrong_socks_credentials_are_proxy_failed(fake_openai: FakeOpenAI) -> None:
    async with Socks5Proxy(username="vans", password=PROXY_PASSWORD) as proxy:
        result = await probe(fake_openai.base_url, proxy_url=proxy.url.replace(PROXY_PASSWORD, "nope"))
    assert result.verdict is Verdict.PROXY_FAILED
    assert "nope" not in result.describe()


async def test_anthropic_and_gemini_use_their_own_headers() -> None:
    async with FakeAnthropic() as anthropic, FakeGemini() as gemini:
        right = await probe(anthropic.base_url, anthropic.api_key or "", wire_format=WireFormat.ANTHROPIC)
        wrong = await probe(anthropic.base_url, "sk-ant-wrong-0000", wire_format=WireFormat.ANTHROPIC)
        assert anthropic.requests[-1].header("anthropic-version")
        g_right = await probe(gemini.base_url, gemini.api_key or "", wire_format=WireFormat.GEMINI)
        g_wrong = await probe(gemini.base_url, "AIzaWrong0000000000", wire_format=WireFormat.GEMINI)
    assert (right.verdict, wrong.verdict) == (Verdict.WORKING, Verdict.BAD_KEY)
    assert g_right.verdict is Verdict.WORKING
    assert (g_wrong.verdict, g_wrong.status) == (Verdict.BAD_KEY, 400)  # Gemini's API_KEY_INVALID


async def run_cli(gateway: Gateway, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    commands = AdminCommands(gateway.admin, io.StringIO(), out, io.StringIO())
    args = build_parser().parse_args(["accounts", "test", *argv])
    # The command runs its own event loop (as from a shell); the fakes keep serving on this one.
    code = await asyncio.to_thread(commands.run, args)
    return code, out.getvalue()


async def test_cli_prints_one_line_per_account_and_fails_if_any_failed(
    gateway: Gateway, fake_openai: FakeOpenAI
) -> None:
    gateway.admin.add_provider(
        "fake",
        wire_format="openai",
        base_url=fake_openai.base_url,
        models=None,
        key=KeySource(value=UPSTREAM_KEY),
    )
    code, out = await run_cli(gateway, "--provider", "fake")
    assert code == EXIT_OK
    assert out.splitlines() == [out.splitlines()[0]] and "working (" in out

    bad = gateway.admin.add_account("fake", key=KeySource(value="sk-wrong-key-123456"), label="bad")
    async with Socks5Proxy() as proxy:
        gateway.admin.add_account(
            "fake", key=KeySource(value=UPSTREAM_KEY), label="socks", proxy_url=proxy.url
        )
        await proxy.kill()
        code, out = await run_cli(gateway)
    assert code == EXIT_FAILURE
    lines = out.splitlines()
    assert len(lines) == 3
    assert any("bad key" in line and "fake/bad" in line for line in lines)
    assert any("proxy failed" in line and "fake/socks" in line for line in lines)

    code, out = await run_cli(gateway, str(bad.id))
    assert code == EXIT_FAILURE and len(out.splitlines()) == 1 and "bad key" in out
