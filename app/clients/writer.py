"""The steps every file writer shares: plan (parse + pure render), apply (backup, then an atomic,
conflict-checked write), restore (the exact original bytes, or only our keys put back when the user
edited the file since), and status."""

from __future__ import annotations

import difflib
import logging
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.clients.atomic_write import (
    FileSnapshot,
    delete_if_unchanged,
    read_snapshot,
    replace_if_unchanged,
    sha256,
)
from app.clients.backups import BackupStore, ConfiguredState
from app.clients.errors import ConfigFileBroken, NotConfigured
from app.clients.spec import ClientSpec, ClientStatus, FileStatus, GatewayTarget, ManagedFile

_log = logging.getLogger(__name__)
MASK = "<secret>"
_SECRET_VALUE = re.compile(
    r"""(?im)(["']?[\w.-]*(?:api[_-]?key|token|secret|password|authorization)["']?\s*[:=]\s*["']?)"""
    r"""(?!\d+\b)(?!<secret>)([^"'\s,}]+)"""
)


@dataclass(frozen=True, slots=True)
class FilePlan:
    managed: ManagedFile
    snapshot: FileSnapshot
    old_text: str
    new_text: str
    secrets: tuple[str, ...]  # values to mask when the plan is shown

    @property
    def path(self) -> Path:
        return self.snapshot.path

    @property
    def changes(self) -> bool:
        return not self.snapshot.exists or self.old_text != self.new_text


@dataclass(frozen=True, slots=True)
class RestoreResult:
    path: Path
    # "exact" | "keys" (edited since: only our keys put back) | "unchanged" | "taken-over" (another
    # program points the tool elsewhere now: its settings are left alone)
    how: str
    backup_id: str | None  # the backup of the file as it was just before the restore


def path_of(home: Path, managed: ManagedFile) -> Path:
    for name in (managed.relative, *managed.alternatives):
        candidate = home.joinpath(*name.split("/"))
        if candidate.exists():
            return candidate
    return home.joinpath(*managed.relative.split("/"))


def decode(snapshot: FileSnapshot) -> str:
    if snapshot.data is None:
        return ""
    try:
        return snapshot.data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigFileBroken(snapshot.path, f"not UTF-8 text (byte {exc.start})") from None


def render(managed: ManagedFile, path: Path, text: str, target: GatewayTarget) -> str:
    """Pure: the file's new text ("" for no file) with only our keys set for `target`."""
    return managed.document.render(path, text, managed.assign(target))


@dataclass(frozen=True, slots=True)
class Detection:
    installed: bool  # the program is on PATH or its config folder exists
    points_at_us: bool  # every file routes the tool through this gateway


def detect(spec: ClientSpec, home: Path, backups: BackupStore, base_url: str) -> Detection:
    found = status(spec, home, backups, base_url)
    ours = bool(found.files) and all(f.points_at_us for f in found.files)
    return Detection(found.installed, ours)


def plan(spec: ClientSpec, home: Path, target: GatewayTarget) -> list[FilePlan]:
    """Reads and renders every file of the tool; raises before anything is written if one is broken."""
    plans = []
    for managed in spec.files:
        snapshot = read_snapshot(path_of(home, managed))
        text = decode(snapshot)
        if snapshot.exists:
            managed.document.check(snapshot.path, text)
        new = render(managed, snapshot.path, text, target)
        old_secrets = managed.document.read(snapshot.path, text, managed.secret_keys)
        secrets = tuple(s for s in _strings([*old_secrets.values(), target.key]) if s.strip())
        plans.append(FilePlan(managed, snapshot, text, new, secrets))
    return plans


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def diff(plans: list[FilePlan]) -> str:
    """A unified diff of the plans, with keys (ours and any already in the file) masked."""
    chunks = []
    for p in plans:
        if not p.changes:
            continue
        old = "" if not p.snapshot.exists else p.old_text
        lines = difflib.unified_diff(
            old.splitlines(keepends=True),
            p.new_text.splitlines(keepends=True),
            fromfile=str(p.path) if p.snapshot.exists else "/dev/null",
            tofile=str(p.path),
        )
        text = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
        for secret in sorted(p.secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
        # Keys of other providers may sit in the context lines: any value of a key-like name goes too.
        text = _SECRET_VALUE.sub(lambda m: m.group(1) + MASK, text)
        chunks.append(text)
    return "".join(chunks)


def apply(spec: ClientSpec, home: Path, target: GatewayTarget, backups: BackupStore) -> list[Path]:
    """Backs up and rewrites each file; on failure the files already written are put back."""
    plans = plan(spec, home, target)
    written: list[tuple[FilePlan, str, ConfiguredState | None]] = []
    try:
        for p in plans:
            before = backups.state(p.path)
            backup = backups.save(p.snapshot, f"before configuring {spec.id}")
            data = p.new_text.encode("utf-8")
            try:
                created = replace_if_unchanged(p.snapshot, data)
            except BaseException:
                backups.discard(p.path, backup.id)
                raise
            backups.save_state(
                ConfiguredState(
                    tool=spec.id,
                    path=p.path,
                    # Restore goes back to before VansRoute first took the file over, not to our
                    # own previous configuration.
                    original_backup=before.original_backup if before else backup.id,
                    written_sha256=sha256(data),
                    created_dirs=before.created_dirs if before else tuple(created),
                    key_name=spec.key_name,
                    base_url=target.base_url,
                )
            )
            written.append((p, backup.id, before))
    except BaseException:
        _roll_back(written, backups)
        raise
    return [p.path for p, _, _ in written]


def _roll_back(written: list[tuple[FilePlan, str, ConfiguredState | None]], backups: BackupStore) -> None:
    for p, backup_id, before in reversed(written):
        try:
            current = read_snapshot(p.path)
            if p.snapshot.data is None:
                delete_if_unchanged(current)
            else:
                replace_if_unchanged(current, p.snapshot.data)
            if before is None:
                backups.clear_state(p.path)
            else:
                backups.save_state(before)
            backups.discard(p.path, backup_id)
        except Exception as exc:  # the backup is still there; say so rather than hide the first error
            _log.error("could not roll back %s (its backup is kept): %s", p.path, type(exc).__name__)


def restore(spec: ClientSpec, home: Path, backups: BackupStore) -> list[RestoreResult]:
    states = [(m, backups.state(path_of(home, m))) for m in spec.files]
    if not any(state for _, state in states):
        raise NotConfigured(f"{spec.name} was not configured by VansRoute (nothing to restore)")
    results = []
    for managed, state in states:
        if state is not None:
            results.append(restore_file(managed, state, backups))
    # Folders we created go last: a tool's files may share them.
    _remove_empty(tuple(d for _, state in states if state for d in state.created_dirs))
    return results


def restore_file(managed: ManagedFile, state: ConfiguredState, backups: BackupStore) -> RestoreResult:
    path = state.path
    snapshot = read_snapshot(path)
    original = backups.data(path, state.original_backup)
    original_meta = next((b for b in backups.history(path) if b.id == state.original_backup), None)
    if not snapshot.exists or snapshot.digest == state.written_sha256:
        # Untouched since we wrote it (or removed by the user): the exact original bytes.
        wanted, how = original, "exact"
    else:
        text = decode(snapshot)
        managed.document.check(path, text)
        if _taken_over(managed, path, text, state):
            backups.clear_state(path)
            return RestoreResult(path, "taken-over", None)
        old_text = original.decode("utf-8") if original is not None else ""
        values = managed.document.read(path, old_text, managed.keys)
        wanted, how = managed.document.render(path, text, values).encode("utf-8"), "keys"
    if wanted == snapshot.data:
        backups.clear_state(path)
        return RestoreResult(path, "unchanged", None)
    backup = backups.save(snapshot, f"before restoring {state.tool}")
    try:
        if wanted is None:
            delete_if_unchanged(snapshot)
            _remove_empty(state.created_dirs)  # again in restore(), once every file is back
        else:
            mode = original_meta.mode if (original_meta and how == "exact") else None
            replace_if_unchanged(snapshot, wanted, mode=mode)
    except BaseException:
        backups.discard(path, backup.id)
        raise
    backups.clear_state(path)
    return RestoreResult(path, how, backup.id)


def _taken_over(managed: ManagedFile, path: Path, text: str, state: ConfiguredState) -> bool:
    """The file now routes the tool to another gateway: putting our predecessor's values back would
    break whoever configured it since."""
    if managed.route is None or not state.base_url:
        return False
    route = managed.route(managed.document.read(path, text, managed.keys))
    return route is not None and not same_gateway(route, state.base_url)


def _remove_empty(directories: tuple[Path, ...]) -> None:
    for directory in sorted(directories, key=lambda p: len(p.parts), reverse=True):
        try:
            directory.rmdir()  # only if empty: the tool may have put files there since
        except OSError:
            pass


def status(spec: ClientSpec, home: Path, backups: BackupStore, base_url: str) -> ClientStatus:
    files = []
    for managed in spec.files:
        path = path_of(home, managed)
        snapshot = read_snapshot(path)
        state = backups.state(path)
        try:
            text = decode(snapshot)
            values: dict[Any, Any] = managed.document.read(path, text, managed.keys) if text else {}
            if managed.route is None:  # says nothing about where requests go: ours while managed
                route, ours = None, state is not None
            else:
                route = managed.route(values) if values else None
                ours = route is not None and same_gateway(route, base_url)
            files.append(FileStatus(str(path), snapshot.exists, state is not None, route, ours))
        except ConfigFileBroken as exc:
            files.append(FileStatus(str(path), True, state is not None, None, False, str(exc)))
    installed = any(shutil.which(e) for e in spec.executables) or any(
        home.joinpath(*d.split("/")).exists() for d in spec.config_dirs
    )
    return ClientStatus(spec.id, spec.name, installed, spec.writable, tuple(files))


def same_gateway(url: str, base_url: str) -> bool:
    def norm(u: str) -> str:
        u = u.strip().rstrip("/")
        return u.removesuffix("/v1").removesuffix("/v1beta").rstrip("/")

    return norm(url) == norm(base_url)


def current_secret(spec: ClientSpec, home: Path) -> str | None:
    """Our key as the tool's first file holds it now (to keep using it on a re-configure)."""
    for managed in spec.files:
        if not managed.secret_keys:
            continue
        path = path_of(home, managed)
        try:
            text = decode(read_snapshot(path))
            value = managed.document.read(path, text, managed.secret_keys)[managed.secret_keys[0]]
        except ConfigFileBroken:
            return None
        return value if isinstance(value, str) else None
    return None
