"""The running gateway: ordered start, reverse-order stop, and a status for the UI and /health."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets as tokens
from collections.abc import Mapping
from pathlib import Path

import orjson

from app import __version__
from app.core.clock import Clock, SystemClock
from app.core.events import EventBus, GatewayStateChanged, RequestFinished, SnapshotSwapped
from app.credentials.keyring_store import KeyringSecretStore
from app.credentials.resolver import SecretResolver
from app.credentials.secret_store import SecretStore
from app.gateway.app import create_app
from app.gateway.context import GatewayContext
from app.gateway.server import GatewayServer
from app.providers.transport import Transport
from app.resilience.breaker import Breakers
from app.resilience.cooldown import Cooldowns
from app.resilience.limiter import AccountLimiter
from app.routing.execute import Guards
from app.routing.snapshot import SnapshotHolder
from app.services.atomic_file import write_atomic
from app.services.breaker_profiles import ProfileKeeper
from app.services.config import AppConfig
from app.services.desktop_admin import DesktopAdmin
from app.services.model_discovery import ModelDiscovery
from app.services.quota_keeper import QuotaKeeper
from app.services.reloader import Reloader
from app.services.snapshot_builder import SnapshotBuilder
from app.services.status import BreakerStatus, CooldownStatus, ResilienceStatus, RuntimeStatus, SlotStatus
from app.services.tuning import effective, load_tuning, retention_days
from app.services.usage import BudgetSync, UsageRetention, UsageService, seed_budgets
from app.store.db import Database
from app.store.repos import Store
from app.store.usage_writer import UsageWriter

_log = logging.getLogger(__name__)


class Runtime:
    def __init__(
        self,
        config: AppConfig,
        secrets: SecretStore | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        mode: str = "headless",
        clock: Clock | None = None,
        reload_interval: float = 1.0,
    ) -> None:
        self.config = config
        self.mode = mode
        self.bus = EventBus()
        self._secrets = KeyringSecretStore() if secrets is None else secrets
        self._environ = dict(os.environ if environ is None else environ)
        self._clock = clock or SystemClock()
        self._reload_interval = reload_interval
        self._db: Database | None = None
        self._store: Store | None = None
        self._writer: UsageWriter | None = None
        self._retention: UsageRetention | None = None
        self._budget_sync: BudgetSync | None = None
        self._reloader: Reloader | None = None
        self._server: GatewayServer | None = None
        self._transport = Transport()
        self._holder = SnapshotHolder()
        self._quota: QuotaKeeper | None = None
        self._discovery: ModelDiscovery | None = None
        self._ctx = GatewayContext(
            version=__version__,
            snapshots=self._holder,
            transport=self._transport,
            bus=self.bus,
            clock=self._clock,
            max_body_bytes=config.max_body_bytes,
            mode=mode,
            admin_token=tokens.token_urlsafe(32),
        )

    @property
    def url(self) -> str:
        return self._server.url if self._server else f"http://{self.config.host}:{self.config.port}"

    def _set_state(self, state: str) -> None:
        self._ctx.state = state
        self.bus.publish(GatewayStateChanged(state=state, url=self.url))

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._set_state("starting")
        self.config.data_dir.mkdir(parents=True, exist_ok=True)
        self._db = await loop.run_in_executor(None, Database.open, self.config.database_url)
        await loop.run_in_executor(None, self._db.migrate)
        self._store = Store(self._db)
        stored = await loop.run_in_executor(None, self._store.settings.all)
        self._apply_tuning(stored)
        # Budgets need the month's spend before the first request; old usage rows go by retention.
        await seed_budgets(self._store, self._ctx.access, self._clock)
        self._retention = UsageRetention(self._store, self._clock, retention_days(stored, self._environ))
        if self._db.dialect == "postgresql":  # only a shared database has other gateways' spend in it
            self._budget_sync = BudgetSync(self._store, self._ctx.access, self._clock)
        builder = SnapshotBuilder(self._store, SecretResolver(self._secrets, self._environ))
        self._reloader = Reloader(builder, self._holder, self.bus, interval=self._reload_interval)
        profiles = ProfileKeeper(self._ctx.guards.breakers, self._holder)
        self.bus.subscribe(SnapshotSwapped, profiles.on_swap)
        await self._reloader.rebuild()
        await self._transport.start()
        self._quota = QuotaKeeper(self._store, self.bus, self._clock)
        await self._quota.start()
        refresh_h = effective(stored, self._environ)["models.refresh_hours"]
        self._discovery = ModelDiscovery(
            self._store, self._holder, self._transport, self._clock, refresh_s=refresh_h * 3600
        )
        self.bus.subscribe(SnapshotSwapped, self._discovery.on_swap)
        await self._discovery.start()
        self._writer = UsageWriter(self._store)
        await self._writer.start()
        await self._retention.start()
        if self._budget_sync is not None:
            await self._budget_sync.start()
        writer = self._writer
        self.bus.subscribe(RequestFinished, lambda event: writer.submit(event.usage))
        self._server = GatewayServer(create_app(self._ctx), self.config.host, self.config.port)
        await self._server.start()
        self._ctx.started_at = self._clock.monotonic()
        await self._reloader.start()
        await loop.run_in_executor(None, self._write_runtime_file)
        self._set_state("serving")
        _log.info("VansRoute %s serving on %s (%s mode)", __version__, self.url, self.mode)

    async def stop(self) -> None:
        self._set_state("stopping")
        # Reverse order of start: stop taking requests (in-flight ones finish or are cancelled), then
        # stop background work, flush usage, close connections and the database.
        if self._server is not None:
            await self._server.stop()
        if self._reloader is not None:
            await self._reloader.stop()
        if self._quota is not None:
            await self._quota.stop()
        if self._discovery is not None:
            await self._discovery.stop()
        if self._budget_sync is not None:
            await self._budget_sync.stop()
        if self._retention is not None:
            await self._retention.stop()
        if self._writer is not None:
            await self._writer.stop()
        await self._transport.close()
        if self._db is not None:
            self._db.close()
        self._remove_runtime_file()
        self._set_state("stopped")
        _log.info("VansRoute stopped")

    def status(self) -> RuntimeStatus:
        snapshot = self._holder.current
        uptime = self._clock.monotonic() - self._ctx.started_at if self._ctx.started_at else 0.0
        state = self._ctx.state
        return RuntimeStatus(
            version=__version__,
            state="paused" if state == "serving" and self._ctx.paused else state,
            url=self.url,
            uptime_s=uptime,
            providers=len(snapshot.providers),
            accounts=snapshot.accounts_total,
            api_keys=len(snapshot.keys_by_hash),
            requests_served=self._ctx.requests_served,
            data_dir=str(self.config.data_dir),
            mode=self.mode,
            in_flight=sum(v.in_flight for v in self._ctx.guards.limiter.views()),
        )

    @property
    def paused(self) -> bool:
        return self._ctx.paused

    def pause(self) -> None:
        """Keep listening but answer every model request with 503 in the client's own format."""
        if not self._ctx.paused:
            self._ctx.paused = True
            self.bus.publish(GatewayStateChanged(state="paused", url=self.url))

    def resume(self) -> None:
        if self._ctx.paused:
            self._ctx.paused = False
            self.bus.publish(GatewayStateChanged(state=self._ctx.state, url=self.url))

    def admin(self) -> DesktopAdmin:
        """The administration API on this runtime's database and secret store (blocking calls: the
        desktop runs them in an executor). Changes reach routing through the reloader."""
        if self._store is None:
            raise RuntimeError("the runtime has not started")
        return DesktopAdmin(self._store, self._secrets, self._environ)

    def usage(self) -> UsageService:
        """Usage queries for the desktop's tables and charts (blocking: run them in an executor)."""
        if self._store is None:
            raise RuntimeError("the runtime has not started")
        return UsageService(self._store)

    def _apply_tuning(self, stored: Mapping[str, str]) -> None:
        """Builds the resilience state and timeouts from the settings (read once, at start)."""
        tuning = load_tuning(stored, self._environ)
        self._transport.timeouts = tuning.timeouts
        self._ctx.guards = Guards(
            clock=self._clock,
            breakers=Breakers(self._clock, default=tuning.breaker),
            limiter=AccountLimiter(tuning.limiter),
            cooldowns=Cooldowns(self._clock, tuning.cooldown),
            publish=self.bus.publish,
            all_locked_wait_s=tuning.all_locked_wait_s,
            deadline_s=tuning.deadline_s,
        )

    def resilience(self) -> ResilienceStatus:
        guards = self._ctx.guards
        now = self._clock.monotonic()
        return ResilienceStatus(
            breakers=tuple(
                BreakerStatus(
                    v.key,
                    v.state.value,
                    v.failures,
                    None if v.retry_at is None else max(0.0, v.retry_at - now),
                )
                for v in guards.breakers.views()
            ),
            slots=tuple(SlotStatus(v.key, v.limit, v.in_flight, v.queued) for v in guards.limiter.views()),
            cooldowns=tuple(
                CooldownStatus(
                    lock.key, lock.model, lock.reason.value, max(0.0, lock.until - now), lock.strikes
                )
                for lock in guards.cooldowns.locks()
            ),
        )

    def reset_breaker(self, key: str) -> None:
        self._ctx.guards.breakers.reset(key)

    def _write_runtime_file(self) -> None:
        payload = {
            "url": self.url,
            "pid": os.getpid(),
            "version": __version__,
            "mode": self.mode,
            # For `vansroute status`; the file is written 0600 like the rest of the user's data.
            "admin_token": self._ctx.admin_token,
        }
        write_atomic(self.config.runtime_file, orjson.dumps(payload, option=orjson.OPT_INDENT_2))

    def _remove_runtime_file(self) -> None:
        path: Path = self.config.runtime_file
        try:
            path.unlink()
        except FileNotFoundError:
            pass
