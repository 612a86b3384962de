"""Backups: metadata, exact bytes, "there was no file", pruning to the newest five plus the pinned
original a pending restore needs."""

from __future__ import annotations

import stat
from pathlib import Path

import orjson
import pytest

from app.clients.atomic_write import read_snapshot, sha256
from app.clients.backups import KEEP, BackupStore, ConfiguredState


@pytest.fixture
def store(tmp_path: Path) -> BackupStore:
    return BackupStore(tmp_path / "data" / "backups")


def test_a_backup_keeps_bytes_and_metadata(store: BackupStore, tmp_path: Path) -> None:
    target = tmp_path / "home" / ".claude" / "settings.json"
    target.parent.mkdir(parents=True)
    target.write_bytes(b'{"a": 1}\n')
    target.chmod(0o640)
    backup = store.save(read_snapshot(target), "before configuring claude-code")
    assert store.data(target, backup.id) == b'{"a": 1}\n'
    meta = orjson.loads((store.folder(target) / f"{backup.id}.json").read_bytes())
    assert meta["original_path"] == str(target)
    assert meta["sha256"] == sha256(b'{"a": 1}\n')
    assert meta["existed"] is True and meta["file_did_not_exist"] is False
    assert meta["mode"] == 0o640 and meta["reason"] == "before configuring claude-code"
    assert "created_at" in meta
    for f in store.folder(target).iterdir():
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f


def test_a_missing_file_is_recorded_as_missing(store: BackupStore, tmp_path: Path) -> None:
    target = tmp_path / "nothing.json"
    backup = store.save(read_snapshot(target), "x")
    assert not backup.existed and store.data(target, backup.id) is None
    assert not (store.folder(target) / f"{backup.id}.bak").exists()


def test_only_the_newest_five_are_kept_plus_the_pinned_original(store: BackupStore, tmp_path: Path) -> None:
    target = tmp_path / "f.toml"
    target.write_text("v0")
    first = store.save(read_snapshot(target), "original")
    store.save_state(ConfiguredState("codex", target, first.id, "x"))
    for n in range(1, 9):
        target.write_text(f"v{n}")
        store.save(read_snapshot(target), f"change {n}")
    kept = store.history(target)
    assert kept[0].id == first.id
    assert len(kept) == KEEP + 1
    assert [store.data(target, b.id) for b in kept[1:]] == [f"v{n}".encode() for n in range(4, 9)]
    # Once restored, the original is no longer pinned and ages out like the rest.
    store.clear_state(target)
    assert len(store.history(target)) == KEEP
    assert first.id not in {b.id for b in store.history(target)}


def test_a_damaged_backup_is_refused(store: BackupStore, tmp_path: Path) -> None:
    target = tmp_path / "f"
    target.write_text("good")
    backup = store.save(read_snapshot(target), "x")
    (store.folder(target) / f"{backup.id}.bak").write_bytes(b"evil")
    with pytest.raises(OSError, match="damaged"):
        store.data(target, backup.id)


def test_two_files_with_the_same_name_do_not_share_backups(store: BackupStore, tmp_path: Path) -> None:
    a, b = tmp_path / "x" / "settings.json", tmp_path / "y" / "settings.json"
    assert store.folder(a) != store.folder(b)


def test_configured_lists_every_pending_restore(store: BackupStore, tmp_path: Path) -> None:
    one, two = tmp_path / "1", tmp_path / "2"
    store.save_state(ConfiguredState("codex", one, "000001-x", "h", (tmp_path / "d",), "tool.codex"))
    store.save_state(ConfiguredState("claude-code", two, "000001-y", "h"))
    states = {s.tool: s for s in store.configured()}
    assert set(states) == {"codex", "claude-code"}
    assert states["codex"].created_dirs == (tmp_path / "d",) and states["codex"].key_name == "tool.codex"
