"""The desktop app's own preferences (notifications, log level, first run), in ``desktop.toml`` in the
data folder. The gateway's settings live in the database; these only concern this machine's UI.

Written atomically. A file that cannot be read is left as it is: the defaults are used, the problem is
reported, and saving refuses until the user fixes or removes the file.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from pathlib import Path

import tomlkit
from tomlkit.exceptions import TOMLKitError

from app.core.errors import ConfigError
from app.services.atomic_file import write_atomic
from app.ui.notices import NoticeKind

_log = logging.getLogger(__name__)

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
FILE_NAME = "desktop.toml"


@dataclass(frozen=True, slots=True)
class DesktopPrefs:
    notifications_off: frozenset[NoticeKind] = field(default_factory=frozenset)
    # None: not chosen here, so the start-up level stands (INFO, or DEBUG with VANSROUTE_DEBUG=1).
    log_level: str | None = None
    wizard_done: bool = False


class PrefsFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.problem: str | None = None
        self.prefs = self._load()

    def _load(self) -> DesktopPrefs:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return DesktopPrefs()
        except OSError as exc:
            self.problem = f"cannot read {self.path}: {exc.strerror or exc}"
            return DesktopPrefs()
        try:
            doc = tomlkit.parse(text).unwrap()
            notifications = doc.get("notifications", {})
            off = frozenset(
                NoticeKind(k)
                for k, on in notifications.items()
                if on is False and k in NoticeKind._value2member_map_
            )
            raw = doc.get("log_level")
            level = None if raw is None else str(raw).upper()
            if level is not None and level not in LOG_LEVELS:
                raise ValueError(f"log_level must be one of {', '.join(LOG_LEVELS)}")
            return DesktopPrefs(off, level, bool(doc.get("wizard_done", False)))
        except (TOMLKitError, ValueError, AttributeError, TypeError) as exc:
            self.problem = f"{self.path} is not valid ({exc}); using defaults and leaving the file as it is"
            _log.warning("%s", self.problem)
            return DesktopPrefs()

    def update(self, **changes: object) -> DesktopPrefs:
        prefs = dataclasses.replace(self.prefs, **changes)  # type: ignore[arg-type]
        self.save(prefs)
        return prefs

    def save(self, prefs: DesktopPrefs) -> None:
        if self.problem is not None:
            raise ConfigError(f"not saving preferences: {self.problem}")
        doc = tomlkit.document()
        doc.add(tomlkit.comment("VansRoute desktop preferences (the gateway's settings are in its database)"))
        if prefs.log_level is not None:
            doc["log_level"] = prefs.log_level
        doc["wizard_done"] = prefs.wizard_done
        table = tomlkit.table()
        for kind in NoticeKind:
            table[kind.value] = kind not in prefs.notifications_off
        doc["notifications"] = table
        write_atomic(self.path, tomlkit.dumps(doc).encode("utf-8"), mode=0o644)
        self.prefs = prefs
