"""Cursor: its model settings live in its own UI (and its own database), not in a file we may edit,
so VansRoute shows the values to paste into Settings → Models → API Keys.

Cursor sends these requests from its own servers, not from the editor: a gateway on 127.0.0.1 is
reachable only through a public tunnel or a gateway bound to a reachable address.
"""

from __future__ import annotations

from app.clients.spec import ClientSpec, GatewayTarget


def copy_values(target: GatewayTarget) -> tuple[tuple[str, str], ...]:
    return (
        ("OpenAI API Key", target.key),
        ("Override OpenAI Base URL", target.v1),
        ("Model name to add", target.models.default or "a model id as `vansroute providers list` shows it"),
    )


SPEC = ClientSpec(
    id="cursor",
    name="Cursor",
    executables=("cursor",),
    config_dirs=(".cursor",),
    files=(),
    copy_values=copy_values,
    notes="paste the values into Cursor Settings → Models; Cursor calls the URL from its own servers",
)
