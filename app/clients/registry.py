"""Every tool VansRoute can set up, as one literal tuple (no import-time discovery)."""

from __future__ import annotations

from app.clients import claude_code, cline, codex, cursor, droid, gemini_cli, kilo, opencode, qwen_code
from app.clients.errors import UnknownClient
from app.clients.spec import ClientSpec

CLIENTS: tuple[ClientSpec, ...] = (
    claude_code.SPEC,
    codex.SPEC,
    opencode.SPEC,
    gemini_cli.SPEC,
    qwen_code.SPEC,
    droid.SPEC,
    kilo.SPEC,
    cline.SPEC,
    cursor.SPEC,
)

# Names people type for the same tool.
_ALIASES = {
    "claude": "claude-code",
    "claudecode": "claude-code",
    "gemini": "gemini-cli",
    "qwen": "qwen-code",
    "factory": "droid",
    "kilocode": "kilo",
    "kilo-code": "kilo",
}


def get(tool: str) -> ClientSpec:
    wanted = tool.strip().lower().replace("_", "-")
    wanted = _ALIASES.get(wanted, wanted)
    for spec in CLIENTS:
        if spec.id == wanted:
            return spec
    known = ", ".join(s.id for s in CLIENTS)
    raise UnknownClient(f"unknown tool {tool!r}; choose one of: {known}")
