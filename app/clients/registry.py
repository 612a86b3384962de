"""Every tool VansRoute can set up, as one literal tuple (no import-time discovery)."""

from __future__ import annotations

from app.clients import claude_code, codex, cursor
from app.clients.errors import UnknownClient
from app.clients.spec import ClientSpec

CLIENTS: tuple[ClientSpec, ...] = (
    claude_code.SPEC,
    codex.SPEC,
    cursor.SPEC,
)

# Names people type for the same tool.
_ALIASES = {"claude": "claude-code", "claudecode": "claude-code"}


def get(tool: str) -> ClientSpec:
    wanted = tool.strip().lower().replace("_", "-")
    wanted = _ALIASES.get(wanted, wanted)
    for spec in CLIENTS:
        if spec.id == wanted:
            return spec
    known = ", ".join(s.id for s in CLIENTS)
    raise UnknownClient(f"unknown tool {tool!r}; choose one of: {known}")
