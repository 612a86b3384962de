"""The global token-saver setting: which savers run (RTK alone by default: it only shortens tool
output; Caveman and Ponytail change how the model answers, so they are opt-in), their level, and
Headroom's address. Kept as text in the settings table, so `vansroute savers set` reaches a running
gateway within a second (the snapshot is rebuilt when the config version moves)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from app.core.errors import ConfigError
from app.savers import HeadroomSettings, SaverOptions
from app.savers.headroom import DEFAULT_URL
from app.store.repos import Store

_log = logging.getLogger(__name__)

USE = "savers.use"
LEVEL = "savers.level"
HEADROOM_URL = "savers.headroom_url"
DEFAULT_USE = "rtk"
DEFAULT_LEVEL = "full"


@dataclass(frozen=True, slots=True)
class SaverSettings:
    options: SaverOptions
    headroom: HeadroomSettings
    use: str
    level: str


def from_stored(stored: Mapping[str, str]) -> SaverSettings:
    use = stored.get(USE) or DEFAULT_USE
    level = stored.get(LEVEL) or DEFAULT_LEVEL
    try:
        options = SaverOptions.parse(use, level)
    except ValueError as exc:
        # Only another program could have written a bad value; the gateway keeps the safe default.
        _log.warning("ignoring the stored token-saver setting: %s", exc)
        options, use, level = SaverOptions.parse(DEFAULT_USE, DEFAULT_LEVEL), DEFAULT_USE, DEFAULT_LEVEL
    return SaverSettings(options, HeadroomSettings(url=stored.get(HEADROOM_URL) or DEFAULT_URL), use, level)


def read(store: Store) -> SaverSettings:
    return from_stored(store.settings.all())


def update(
    store: Store, *, use: str | None = None, level: str | None = None, headroom_url: str | None = None
) -> SaverSettings:
    current = read(store)
    new_use = use if use is not None else current.use
    new_level = level if level is not None else current.level
    try:
        SaverOptions.parse(new_use, new_level)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if headroom_url is not None and headroom_url:
        parts = urlsplit(headroom_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"invalid Headroom URL {headroom_url!r}: expected http(s)://host:port/path")
    if use is not None:
        store.settings.set(USE, use.strip().lower() or "off")
    if level is not None:
        store.settings.set(LEVEL, level.strip().lower())
    if headroom_url is not None:
        store.settings.set(HEADROOM_URL, headroom_url.strip())
    return read(store)
