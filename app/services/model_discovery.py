"""Keeps each provider's own model list: fetched when a provider appears, then every few hours, and
kept in the database so a restart has it at once. The first usable account's key is taken from the
routing snapshot (already resolved), so discovery never touches the keyring. A provider whose list
cannot be read keeps the one it had; its catalogue models are still offered."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from app.core.clock import Clock
from app.core.errors import UpstreamError
from app.core.events import SnapshotSwapped
from app.core.tasks import spawn
from app.providers.catalog import builtin_catalog
from app.providers.model_list import fetch_models
from app.providers.profile import profile_for
from app.providers.transport import Timeouts, Transport
from app.routing.snapshot import ProviderView, SnapshotHolder
from app.store.repos import Store

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DiscoveryResult:
    provider_id: str
    models: tuple[str, ...] = ()
    changed: bool = False
    error: str | None = None


class ModelDiscovery:
    def __init__(
        self, store: Store, holder: SnapshotHolder, transport: Transport, clock: Clock, *, refresh_s: float
    ) -> None:
        self._store = store
        self._holder = holder
        self._transport = transport
        self._clock = clock
        self._refresh_s = refresh_s
        self._tried: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        self._pending: set[asyncio.Task[object]] = set()

    @property
    def enabled(self) -> bool:
        return self._refresh_s > 0

    async def start(self) -> None:
        if self.enabled:
            self._task = spawn(self._run(), name="model-discovery")

    async def stop(self) -> None:
        tasks = [t for t in (self._task, *self._pending) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._task = None

    def on_swap(self, _event: SnapshotSwapped) -> None:
        """A provider added (or given its first account) is listed now, not at the next refresh."""
        if not self.enabled or self._task is None:
            return
        fresh = [p for p in self._holder.current.providers.values() if p.id not in self._tried and p.targets]
        if fresh:
            task: asyncio.Task[object] = spawn(
                self.refresh([p.id for p in fresh]), name="model-discovery-new"
            )
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def refresh(self, provider_ids: list[str] | None = None) -> list[DiscoveryResult]:
        snapshot = self._holder.current
        wanted = provider_ids if provider_ids is not None else sorted(snapshot.providers)
        results = []
        for pid in wanted:
            provider = snapshot.providers.get(pid)
            if provider is None or not provider.targets or provider.models:
                continue  # gone, no usable key yet, or the user fixed its list
            self._tried.add(pid)
            results.append(await self._refresh_one(provider))
        return results

    async def _refresh_one(self, provider: ProviderView) -> DiscoveryResult:
        target = provider.targets[0]
        try:
            models = await fetch_models(
                self._transport,
                wire_format=provider.wire_format,
                base_url=provider.base_url,
                api_key=target.api_key,
                profile=target.profile,
                proxy_url=target.proxy_url,
            )
        except UpstreamError as exc:
            _log.info("provider '%s' gave no model list: %s", provider.id, exc.message)
            return DiscoveryResult(provider.id, error=exc.message)
        if not models:
            return DiscoveryResult(provider.id, error="the provider listed no models")
        loop = asyncio.get_running_loop()
        changed = await loop.run_in_executor(None, self._store.discovered.replace, provider.id, models)
        if changed:
            _log.info("provider '%s' lists %d models", provider.id, len(models))
        return DiscoveryResult(provider.id, tuple(m.id for m in models), changed)

    async def _run(self) -> None:
        while True:
            await self.refresh()
            await asyncio.sleep(self._refresh_s)


async def refresh_provider(
    store: Store, provider_id: str, api_key: str, proxy_url: str | None, *, timeout_s: float = 15.0
) -> DiscoveryResult:
    """One provider's list fetched now (for `vansroute providers models ID --refresh`)."""
    provider = store.providers.get(provider_id)
    if provider is None:
        return DiscoveryResult(provider_id, error="no such provider")
    profile = profile_for(builtin_catalog(), provider.id, provider.wire_format, provider.base_url)
    transport = Transport(Timeouts(connect=timeout_s, first_byte=timeout_s, stall=timeout_s))
    await transport.start()
    try:
        models = await fetch_models(
            transport,
            wire_format=provider.wire_format,
            base_url=provider.base_url,
            api_key=api_key,
            profile=profile,
            proxy_url=proxy_url,
        )
    except UpstreamError as exc:
        return DiscoveryResult(provider_id, error=exc.message)
    finally:
        await transport.close()
    changed = store.discovered.replace(provider_id, models)
    return DiscoveryResult(provider_id, tuple(m.id for m in models), changed)
