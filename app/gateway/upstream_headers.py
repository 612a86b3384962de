"""The headers an upstream request carries. Built from scratch, never copied from the client: the
client's gateway key and hop-by-hop headers cannot leak upstream by construction."""

from __future__ import annotations

from collections.abc import Mapping

from app import __version__
from app.core.records import WireFormat
from app.providers.auth import ANTHROPIC_VERSION, auth_headers
from app.routing.snapshot import Target

_USER_AGENT = f"VansRoute/{__version__}"


def upstream_headers(
    target: Target, client_format: WireFormat, client_headers: Mapping[str, str], *, stream: bool
) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json",
        "Accept": "text/event-stream" if stream else "application/json",
        "User-Agent": _USER_AGENT,
        **auth_headers(target.wire_format, target.api_key, target.profile.auth),
        # The provider's own required headers (catalogue), before the client-derived ones below.
        **target.profile.headers,
    }
    if target.wire_format is WireFormat.ANTHROPIC:
        headers["anthropic-version"] = client_headers.get("anthropic-version") or ANTHROPIC_VERSION
        # Betas name Anthropic features the client asked for; they mean nothing from another format.
        beta = client_headers.get("anthropic-beta")
        if beta and client_format is WireFormat.ANTHROPIC:
            headers["anthropic-beta"] = beta
    return headers
