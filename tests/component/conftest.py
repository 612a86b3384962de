"""A real gateway (Runtime) on a loopback socket, a real SQLite file, an in-memory keyring and a fake
OpenAI upstream; the admin API writes to the same database, as the CLI would while the app runs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.core.clock import Clock
from app.credentials.memory_store import MemorySecretStore
from app.services.admin import AdminService, KeySource
from app.services.config import load_config
from app.services.runtime import Runtime
from app.store.db import Database
from app.store.repos import Store
from tests.fakes.openai_upstream import FakeOpenAI

UPSTREAM_KEY = "sk-fake-upstream"


@dataclass
class Gateway:
    runtime: Runtime
    admin: AdminService
    store: Store
    secrets: MemorySecretStore
    key: str

    @property
    def url(self) -> str:
        return self.runtime.url

    @property
    def v1(self) -> str:
        return self.runtime.url + "/v1"

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 3.0) -> float:
        """Waits until predicate() holds; returns how long it took."""
        start = time.monotonic()
        while not predicate():
            if time.monotonic() - start > timeout:
                raise AssertionError(f"condition not met within {timeout} s")
            await asyncio.sleep(0.02)
        return time.monotonic() - start

    async def wait_for_config(self) -> float:
        """Waits until the running gateway has loaded the latest configuration."""
        target = self.store.config_version()
        return await self.wait_for(lambda: self.runtime._holder.current.version >= target)


@pytest.fixture
async def fake_openai() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI(models=("gpt-4o-mini", "gpt-4.1")) as fake:
        yield fake


async def start_gateway(
    tmp_path: Path,
    *,
    max_body_mb: float | None = None,
    clock: Clock | None = None,
    secrets: MemorySecretStore | None = None,
    environ: dict[str, str] | None = None,
) -> Gateway:
    config = load_config({}, data_dir=str(tmp_path / "data"), port=0, max_body_mb=max_body_mb)
    secrets = secrets if secrets is not None else MemorySecretStore()
    # Background model-list fetches would add requests to the fakes' logs; the tests of discovery
    # turn it back on.
    environ = {"VANSROUTE_MODELS_REFRESH_HOURS": "0", **(environ or {})}
    runtime = Runtime(config, secrets, environ=environ, reload_interval=0.1, clock=clock)
    await runtime.start()
    db = Database.open(config.database_url)
    store = Store(db)
    admin = AdminService(store, secrets, {})
    existing = [k for k in store.keys.list(include_revoked=False) if k.name == "tests"]
    if existing:
        store.keys.revoke("tests")
    _, key = admin.create_key("tests")
    gateway = Gateway(runtime, admin, store, secrets, key)
    await gateway.wait_for_config()
    return gateway


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Gateway]:
    gw = await start_gateway(tmp_path)
    try:
        yield gw
    finally:
        await gw.runtime.stop()
        gw.store.db.close()


@pytest.fixture
async def routed(gateway: Gateway, fake_openai: FakeOpenAI) -> Gateway:
    """The gateway with the fake upstream added as provider 'fake' (one account, the right key)."""
    gateway.admin.add_provider(
        "fake",
        wire_format="openai",
        base_url=fake_openai.base_url,
        models="gpt-4o-mini,gpt-4.1",
        key=KeySource(value=UPSTREAM_KEY),
    )
    await gateway.wait_for_config()
    return gateway
