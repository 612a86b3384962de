"""Kilo CLI (built on OpenCode): the same `vansroute` provider entry, in ~/.config/kilo/kilo.json
(or kilo.jsonc / config.json when the user already has one of those).

The Kilo Code editor extension keeps its settings in the editor's own storage: there VansRoute's
values are entered by hand (provider "OpenAI Compatible", base URL, key, model)."""

from __future__ import annotations

from app.clients.opencode import managed_file
from app.clients.spec import ClientSpec

SPEC = ClientSpec(
    id="kilo",
    name="Kilo CLI",
    executables=("kilo", "kilocode"),
    config_dirs=(".config/kilo",),
    files=(managed_file(".config/kilo", "kilo.json", "kilo.jsonc", "config.json"),),
    requires_model=True,
)
