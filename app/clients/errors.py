"""What can go wrong when editing a tool's config file, in words a user can act on."""

from __future__ import annotations

from pathlib import Path

from app.core.errors import ConfigError, VansRouteError


class ConfigFileBroken(ConfigError):
    """The tool's file does not parse; it is left untouched."""

    def __init__(self, path: Path, reason: str, line: int | None = None, column: int | None = None) -> None:
        where = f" at line {line}, column {column}" if line is not None and column is not None else ""
        super().__init__(
            f"{path} cannot be read{where}: {reason}. It was left untouched; fix it (or move it away) "
            "and try again"
        )
        self.path = path
        self.line = line
        self.column = column


class EditConflict(VansRouteError):
    """Someone else changed the file between our read and our write; our write was dropped."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"{path} was changed by another program while VansRoute was editing it; nothing was "
            "written. Try again"
        )
        self.path = path


class NotConfigured(ConfigError):
    """Restore was asked for a tool VansRoute never configured (or already restored)."""


class UnknownClient(ConfigError):
    pass
