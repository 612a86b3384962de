"""Reading a file with a fingerprint, and replacing it atomically only if nobody changed it since.

The new content goes to a temporary file in the same directory (same filesystem, so the rename is
atomic), is fsynced, gets the old file's permission bits, and replaces the target with os.replace.
Just before the rename the target is read again: if its bytes differ from what we read, another
program (the tool itself, an editor) wrote it meanwhile and we back off instead of clobbering it.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.clients.errors import EditConflict

# Files we create hold a gateway key: readable by the user only.
NEW_FILE_MODE = 0o600


def sha256(data: bytes | None) -> str:
    return "" if data is None else hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class FileSnapshot:
    """A file's bytes as read (None: it did not exist) and the permission bits to keep."""

    path: Path
    data: bytes | None
    mode: int | None

    @property
    def exists(self) -> bool:
        return self.data is not None

    @property
    def digest(self) -> str:
        return sha256(self.data)


def read_snapshot(path: Path) -> FileSnapshot:
    try:
        with path.open("rb") as handle:
            mode = stat.S_IMODE(os.fstat(handle.fileno()).st_mode)
            return FileSnapshot(path, handle.read(), mode)
    except FileNotFoundError:
        return FileSnapshot(path, None, None)


def _unchanged(snapshot: FileSnapshot) -> bool:
    try:
        current: bytes | None = snapshot.path.read_bytes()
    except FileNotFoundError:
        current = None
    return current == snapshot.data


def replace_if_unchanged(snapshot: FileSnapshot, data: bytes, *, mode: int | None = None) -> list[Path]:
    """Writes `data` to snapshot.path unless the file changed since `snapshot` was read. The file
    keeps its permission bits (or gets `mode`; a new file is private to the user).

    Returns the directories it had to create (so that a restore can remove them again)."""
    # A symlinked file (dotfiles kept in a repository) is written where it points: replacing the
    # link itself would cut the user's file loose from their repository.
    path = snapshot.path.resolve() if snapshot.path.is_symlink() else snapshot.path
    created = _make_parents(path.parent)
    keep = mode if mode is not None else snapshot.mode

    def still_ours() -> None:
        if not _unchanged(snapshot):
            raise EditConflict(path)

    write_atomic(path, data, mode=keep if keep is not None else NEW_FILE_MODE, before_replace=still_ours)
    return created


def delete_if_unchanged(snapshot: FileSnapshot) -> None:
    """Removes the file (a restore of "there was no file") unless it changed since it was read."""
    if not _unchanged(snapshot):
        raise EditConflict(snapshot.path)
    try:
        snapshot.path.unlink()
    except FileNotFoundError:
        pass


def _make_parents(directory: Path) -> list[Path]:
    missing: list[Path] = []
    probe = directory
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700)
    return list(reversed(missing))


def _fsync_dir(directory: Path) -> None:
    # Makes the rename itself durable; not possible (nor needed) on Windows.
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_private(path: Path, data: bytes) -> None:
    """Atomic write of our own bookkeeping (backups, state): no conflict check, mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_atomic(path, data, mode=0o600)


def write_atomic(
    path: Path, data: bytes, *, mode: int = 0o600, before_replace: Callable[[], None] | None = None
) -> None:
    """A reader sees the old content or the new, never half of either: a temporary file in the same
    directory, fsynced, given `mode`, then renamed over `path` (the directory fsynced too).
    `before_replace` may raise to abandon the write at the last moment (an edit conflict)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".vansroute.tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        if before_replace is not None:
            before_replace()
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(path.parent)
