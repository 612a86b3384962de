"""Atomic, permission-keeping writes that refuse to clobber an edit made since the file was read."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from app.clients.atomic_write import (
    NEW_FILE_MODE,
    delete_if_unchanged,
    read_snapshot,
    replace_if_unchanged,
)
from app.clients.errors import EditConflict


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_replace_keeps_the_files_permissions(tmp_path: Path) -> None:
    target = tmp_path / "settings.json"
    target.write_text("old")
    target.chmod(0o644)
    replace_if_unchanged(read_snapshot(target), b"new")
    assert target.read_bytes() == b"new" and mode(target) == 0o644
    assert leftovers(tmp_path) == []


def test_a_new_file_is_private_and_its_folders_are_reported(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "config.toml"
    created = replace_if_unchanged(read_snapshot(target), b"x")
    assert created == [tmp_path / "a", tmp_path / "a" / "b"]
    assert mode(target) == NEW_FILE_MODE == 0o600


def test_an_edit_since_the_read_is_not_clobbered(tmp_path: Path) -> None:
    target = tmp_path / "settings.json"
    target.write_text("ours to read")
    snapshot = read_snapshot(target)
    target.write_text("the tool saved this meanwhile")
    with pytest.raises(EditConflict, match="changed by another program"):
        replace_if_unchanged(snapshot, b"ours")
    assert target.read_text() == "the tool saved this meanwhile"
    assert leftovers(tmp_path) == []


def test_a_file_created_since_we_saw_none_is_not_clobbered(tmp_path: Path) -> None:
    target = tmp_path / "settings.json"
    snapshot = read_snapshot(target)
    target.write_text("{}")
    with pytest.raises(EditConflict):
        replace_if_unchanged(snapshot, b"ours")
    assert target.read_text() == "{}"


def test_same_size_same_mtime_edit_is_still_caught(tmp_path: Path) -> None:
    target = tmp_path / "f"
    target.write_text("aaaa")
    stamp = target.stat().st_mtime_ns
    snapshot = read_snapshot(target)
    target.write_text("bbbb")
    os.utime(target, ns=(stamp, stamp))  # an editor that preserves times: the bytes still differ
    with pytest.raises(EditConflict):
        replace_if_unchanged(snapshot, b"cccc")


def test_delete_only_if_unchanged(tmp_path: Path) -> None:
    target = tmp_path / "f"
    target.write_text("ours")
    snapshot = read_snapshot(target)
    target.write_text("theirs")
    with pytest.raises(EditConflict):
        delete_if_unchanged(snapshot)
    assert target.exists()
    delete_if_unchanged(read_snapshot(target))
    assert not target.exists()


def test_a_symlinked_file_is_written_where_it_points(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "settings.json"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "home" / "settings.json"
    link.parent.mkdir()
    link.symlink_to(real)
    replace_if_unchanged(read_snapshot(link), b"new")
    assert link.is_symlink() and real.read_text() == "new"
