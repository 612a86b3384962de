"""Checks on what a user types into an admin command, with messages that say how to fix it."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from app.core.errors import ConfigError
from app.core.records import WireFormat

_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,63}$")
_PROXY_SCHEMES = ("http", "https", "socks4", "socks5", "socks5h")


def provider_id(value: str) -> str:
    if not _ID.match(value):
        raise ConfigError(
            f"invalid provider id {value!r}: use lowercase letters, digits, '.', '_' or '-' (at most 64), "
            "starting with a letter or digit"
        )
    return value


def name(value: str, what: str) -> str:
    if not _NAME.match(value):
        raise ConfigError(
            f"invalid {what} {value!r}: use letters, digits, spaces, '.', '_' or '-' (at most 64)"
        )
    return value


def wire_format(value: str) -> WireFormat:
    try:
        return WireFormat(value)
    except ValueError:
        choices = ", ".join(f.value for f in WireFormat)
        raise ConfigError(f"unknown provider type {value!r}: choose one of {choices}") from None


def base_url(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"invalid base URL {value!r}: expected http(s)://host[:port][/path]")
    if parts.query or parts.fragment:
        raise ConfigError(f"invalid base URL {value!r}: it must not have a query or fragment")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ConfigError(f"invalid base URL {value!r}: bad port") from None
    return value.strip().rstrip("/")


def proxy_url(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in _PROXY_SCHEMES or not parts.hostname:
        raise ConfigError(f"invalid proxy URL: expected one of {', '.join(_PROXY_SCHEMES)}://host:port")
    return value.strip()


def models(value: str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    items = tuple(dict.fromkeys(m.strip() for m in value.split(",") if m.strip()))
    for item in items:
        if any(c.isspace() for c in item):
            raise ConfigError(f"invalid model id {item!r}: no spaces allowed")
    return items


def secret(value: str) -> str:
    cleaned = value.strip()
    if not cleaned:
        raise ConfigError(
            "the API key is empty: pass it on standard input (e.g. `echo $KEY | vansroute ...`)"
        )
    if any(c.isspace() for c in cleaned):
        raise ConfigError("the API key contains whitespace; paste only the key")
    return cleaned
