"""One-click setup of the coding tools: what the desktop's buttons and `vansroute configure` call.

Each configured tool gets its own gateway key (`tool.<id>`), so usage shows per tool; restoring the
tool revokes it. The key is written only into the tool's own file (as the tool requires) and is
never logged: diffs mask it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import orjson

from app.clients import registry, writer
from app.clients.backups import BackupStore
from app.clients.errors import NotConfigured
from app.clients.spec import ClientSpec, ClientStatus, GatewayTarget, ModelMapping
from app.clients.writer import RestoreResult
from app.core.errors import ConfigError, NotFound, VansRouteError
from app.gateway.auth import hash_key
from app.services.admin import AdminService
from app.services.config import AppConfig

_log = logging.getLogger(__name__)

__all__ = [
    "ClientSetupService",
    "ConfigureResult",
    "ModelMapping",
    "RestoreAll",
    "RestoreOutcome",
    "parse_models",
]


@dataclass(frozen=True, slots=True)
class ConfigureResult:
    tool: str
    name: str
    gateway_url: str
    key_name: str
    new_key: bool  # a key was created (False: the one already in the file is kept)
    paths: tuple[Path, ...]  # files written (or that would be, on a dry run)
    diff: str  # unified diff, keys masked
    dry_run: bool
    copy_values: tuple[tuple[str, str], ...] = ()  # for tools configured in their own UI


@dataclass(frozen=True, slots=True)
class RestoreOutcome:
    tool: str
    name: str
    files: tuple[RestoreResult, ...]
    key_revoked: bool


@dataclass(frozen=True, slots=True)
class RestoreAll:
    restored: tuple[RestoreOutcome, ...]
    failed: tuple[tuple[str, str], ...]  # (tool, why)


def parse_models(values: list[str] | tuple[str, ...]) -> ModelMapping:
    """`--model X` (the default model) and `--model ROLE=X` (opus, sonnet, haiku, subagent)."""
    chosen: dict[str, str] = {}
    for raw in values:
        role, sep, model = raw.partition("=")
        if not sep:
            role, model = "default", raw
        role, model = role.strip().lower(), model.strip()
        if role not in ModelMapping.__dataclass_fields__:
            raise ConfigError(
                f"unknown model role {role!r} in --model {raw!r}: use MODEL or ROLE=MODEL with "
                "ROLE one of default, opus, sonnet, haiku, subagent"
            )
        if not model:
            raise ConfigError(f"--model {raw!r} names no model")
        chosen[role] = model
    return ModelMapping(**chosen)


def _alive(pid: object) -> bool:
    """False only when gateway.json names a process that is gone (left by a crash)."""
    if not isinstance(pid, int) or os.name != "posix":
        return True  # on Windows, os.kill(pid, 0) would send Ctrl+C: trust the file
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ClientSetupService:
    def __init__(
        self,
        admin: AdminService,
        config: AppConfig,
        *,
        home: Path | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._admin = admin
        self._config = config
        self._home = home if home is not None else Path.home()
        self._environ = environ or {}
        self._backups = BackupStore(config.data_dir / "backups")

    @property
    def backups(self) -> BackupStore:
        return self._backups

    def gateway_url(self) -> str:
        """The running gateway's URL (its gateway.json), else the configured host and port."""
        try:
            info = orjson.loads(self._config.runtime_file.read_bytes())
            if isinstance(info, dict) and isinstance(info.get("url"), str) and _alive(info.get("pid")):
                return str(info["url"]).rstrip("/")
        except (OSError, orjson.JSONDecodeError):
            pass
        host = self._config.host
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"  # listening everywhere; the tools on this machine use loopback
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"http://{host}:{self._config.port}"

    # --- queries ------------------------------------------------------------------------------------

    def tools(self) -> tuple[ClientSpec, ...]:
        return registry.CLIENTS

    def list_tools(self) -> tuple[ClientStatus, ...]:
        return tuple(self.status(spec.id) for spec in registry.CLIENTS)

    def status(self, tool: str) -> ClientStatus:
        return writer.status(registry.get(tool), self._home, self._backups, self.gateway_url())

    # --- changes -------------------------------------------------------------------------------------

    def configure(
        self, tool: str, models: ModelMapping | None = None, *, dry_run: bool = False
    ) -> ConfigureResult:
        spec = registry.get(tool)
        models = models or ModelMapping()
        if spec.requires_model and not models.default:
            raise ConfigError(f"{spec.name} lists models by name: give the one to use with --model MODEL")
        url = self.gateway_url()
        if dry_run:
            target = GatewayTarget(url, f"<new key {spec.key_name}>", models)
            plans = writer.plan(spec, self._home, target)
            return ConfigureResult(
                spec.id,
                spec.name,
                url,
                spec.key_name,
                False,
                tuple(p.path for p in plans if p.changes),
                writer.diff(plans),
                True,
                spec.copy_values(target) if spec.copy_values else (),
            )
        # Refuse a broken file before a key is created.
        writer.plan(spec, self._home, GatewayTarget(url, "-", models))
        key, created = self._key_for(spec)
        target = GatewayTarget(url, key, models)
        try:
            plans = writer.plan(spec, self._home, target)
            shown = writer.diff(plans)
            paths = writer.apply(spec, self._home, target, self._backups) if spec.writable else []
        except BaseException:
            if created:
                self._revoke(spec.key_name)
            raise
        _log.info("configured %s to use %s (key %s)", spec.name, url, spec.key_name)
        return ConfigureResult(
            spec.id,
            spec.name,
            url,
            spec.key_name,
            created,
            tuple(paths),
            shown,
            False,
            spec.copy_values(target) if spec.copy_values else (),
        )

    def restore(self, tool: str) -> RestoreOutcome:
        spec = registry.get(tool)
        results: list[RestoreResult] = []
        if spec.writable:
            try:
                results = writer.restore(spec, self._home, self._backups)
            except NotConfigured:
                if not self._active_key(spec.key_name):
                    raise
        elif not self._active_key(spec.key_name):
            raise NotConfigured(f"{spec.name} was not configured by VansRoute (nothing to restore)")
        revoked = self._revoke(spec.key_name)
        _log.info("restored %s (%d file(s))", spec.name, len(results))
        return RestoreOutcome(spec.id, spec.name, tuple(results), revoked)

    def restore_all(self) -> RestoreAll:
        """Every tool VansRoute configured (for uninstallers): files back, tool keys revoked. One
        tool that cannot be restored (a file broken since) does not stop the others."""
        configured = {state.tool for state in self._backups.configured()}
        keyed = {spec.id for spec in registry.CLIENTS if self._active_key(spec.key_name)}
        outcomes: list[RestoreOutcome] = []
        failures: list[tuple[str, str]] = []
        for spec in registry.CLIENTS:
            if spec.id in configured or spec.id in keyed:
                try:
                    outcomes.append(self.restore(spec.id))
                except (VansRouteError, OSError) as exc:
                    failures.append((spec.id, str(exc)))
        return RestoreAll(tuple(outcomes), tuple(failures))

    # --- keys ---------------------------------------------------------------------------------------

    def _active_key(self, name: str) -> bool:
        return any(k.name == name for k in self._admin.list_keys(include_revoked=False))

    def _key_for(self, spec: ClientSpec) -> tuple[str, bool]:
        """The tool's key: the one its file already holds when that is our active key, else new."""
        active = [k for k in self._admin.list_keys(include_revoked=False) if k.name == spec.key_name]
        current = writer.current_secret(spec, self._home)
        if active and current and hash_key(current) == active[0].key_hash:
            return current, False
        if active:
            # The file no longer holds it (restored or edited by hand): replace it.
            self._revoke(spec.key_name)
        _, key = self._admin.create_key(spec.key_name)
        return key, True

    def _revoke(self, name: str) -> bool:
        if not self._active_key(name):
            return False
        try:
            self._admin.revoke_key(name)
        except NotFound:
            return False
        return True
