"""Backups of the tools' files, kept in <data dir>/backups, and the record of what we configured.

One folder per file (named after its path). Each backup is `<seq>-<time>.json` (metadata: original
path, time, sha256, whether the file existed, its mode, why) plus `<seq>-<time>.bak` (the exact bytes;
absent when the file did not exist). The newest KEEP backups are kept; older ones are pruned, except
the one a pending restore needs (the file as it was before VansRoute first configured it), which
`state.json` pins until the tool is restored.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson

from app.clients.atomic_write import FileSnapshot, sha256, write_private

KEEP = 5
_STATE = "state.json"
_ID = re.compile(r"^(\d{6})-[0-9TZ]+$")


@dataclass(frozen=True, slots=True)
class Backup:
    id: str
    original_path: Path
    created_at: datetime
    sha256: str
    existed: bool
    mode: int | None
    reason: str


@dataclass(frozen=True, slots=True)
class ConfiguredState:
    """A file VansRoute configured and has not restored yet."""

    tool: str
    path: Path
    original_backup: str  # the backup restore puts back
    written_sha256: str  # what we wrote last: if the file still hashes to it, nobody touched it
    created_dirs: tuple[Path, ...] = ()
    key_name: str = ""
    base_url: str = ""  # the gateway we pointed the file at


class BackupStore:
    def __init__(self, root: Path, keep: int = KEEP) -> None:
        self.root = root
        self.keep = keep

    def folder(self, path: Path) -> Path:
        # Readable name plus a hash of the full path: two tools may both own a "settings.json".
        tail = "-".join(path.parts[-2:]).lstrip(".") or "file"
        tail = re.sub(r"[^A-Za-z0-9._-]+", "_", tail)
        digest = hashlib.sha256(str(path).encode()).hexdigest()[:10]
        return self.root / f"{tail}-{digest}"

    # --- backups --------------------------------------------------------------------------------

    def save(self, snapshot: FileSnapshot, reason: str) -> Backup:
        folder = self.folder(snapshot.path)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        seq = max((int(m.group(1)) for m in self._ids(folder)), default=0) + 1
        now = datetime.now(UTC)
        backup = Backup(
            id=f"{seq:06d}-{now.strftime('%Y%m%dT%H%M%S%fZ')}",
            original_path=snapshot.path,
            created_at=now,
            sha256=snapshot.digest,
            existed=snapshot.exists,
            mode=snapshot.mode,
            reason=reason,
        )
        if snapshot.data is not None:
            write_private(folder / f"{backup.id}.bak", snapshot.data)
        meta = {
            "original_path": str(backup.original_path),
            "created_at": backup.created_at.isoformat(),
            "sha256": backup.sha256,
            "existed": backup.existed,
            "file_did_not_exist": not backup.existed,
            "mode": backup.mode,
            "reason": backup.reason,
        }
        write_private(folder / f"{backup.id}.json", orjson.dumps(meta, option=orjson.OPT_INDENT_2))
        self.prune(snapshot.path)
        return backup

    def history(self, path: Path) -> list[Backup]:
        """Oldest first."""
        folder = self.folder(path)
        return [self._load_meta(folder, m.group(0)) for m in self._ids(folder)]

    def data(self, path: Path, backup_id: str) -> bytes | None:
        """The exact bytes of a backup (None: the file did not exist then)."""
        folder = self.folder(path)
        meta = self._load_meta(folder, backup_id)
        if not meta.existed:
            return None
        data = (folder / f"{backup_id}.bak").read_bytes()
        if sha256(data) != meta.sha256:
            raise OSError(f"backup {folder / backup_id} is damaged (checksum mismatch)")
        return data

    def discard(self, path: Path, backup_id: str) -> None:
        folder = self.folder(path)
        for suffix in (".bak", ".json"):
            (folder / f"{backup_id}{suffix}").unlink(missing_ok=True)

    def prune(self, path: Path) -> None:
        folder = self.folder(path)
        state = self.state(path)
        pinned = state.original_backup if state else None
        ids = [m.group(0) for m in self._ids(folder)]
        for old in ids[: max(0, len(ids) - self.keep)]:
            if old != pinned:
                self.discard(path, old)

    # --- what we configured -------------------------------------------------------------------------

    def state(self, path: Path) -> ConfiguredState | None:
        file = self.folder(path) / _STATE
        try:
            raw = orjson.loads(file.read_bytes())
        except FileNotFoundError:
            return None
        return ConfiguredState(
            tool=raw["tool"],
            path=Path(raw["path"]),
            original_backup=raw["original_backup"],
            written_sha256=raw["written_sha256"],
            created_dirs=tuple(Path(p) for p in raw.get("created_dirs", ())),
            key_name=raw.get("key_name", ""),
            base_url=raw.get("base_url", ""),
        )

    def save_state(self, state: ConfiguredState) -> None:
        payload = {
            "tool": state.tool,
            "path": str(state.path),
            "original_backup": state.original_backup,
            "written_sha256": state.written_sha256,
            "created_dirs": [str(p) for p in state.created_dirs],
            "key_name": state.key_name,
            "base_url": state.base_url,
        }
        write_private(self.folder(state.path) / _STATE, orjson.dumps(payload, option=orjson.OPT_INDENT_2))

    def clear_state(self, path: Path) -> None:
        (self.folder(path) / _STATE).unlink(missing_ok=True)
        self.prune(path)

    def configured(self) -> list[ConfiguredState]:
        """Every file configured and not yet restored (for restore-all)."""
        if not self.root.is_dir():
            return []
        found = []
        for folder in sorted(self.root.iterdir()):
            if (folder / _STATE).is_file():
                raw = orjson.loads((folder / _STATE).read_bytes())
                state = self.state(Path(raw["path"]))
                if state is not None:
                    found.append(state)
        return found

    @staticmethod
    def _ids(folder: Path) -> list[re.Match[str]]:
        if not folder.is_dir():
            return []
        matches = (_ID.match(p.stem) for p in folder.glob("*.json"))
        return sorted((m for m in matches if m), key=lambda m: int(m.group(1)))

    @staticmethod
    def _load_meta(folder: Path, backup_id: str) -> Backup:
        raw = orjson.loads((folder / f"{backup_id}.json").read_bytes())
        return Backup(
            id=backup_id,
            original_path=Path(raw["original_path"]),
            created_at=datetime.fromisoformat(raw["created_at"]),
            sha256=raw["sha256"],
            existed=bool(raw["existed"]),
            mode=raw.get("mode"),
            reason=raw.get("reason", ""),
        )
