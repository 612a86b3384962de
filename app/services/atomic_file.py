"""Writing a file so that a reader sees the old content or the new, never half of either.

One implementation serves the app: the client-config writers' (app/clients/atomic_write.py), which
services and the UI reach through here (the UI may not import app.clients directly)."""

from __future__ import annotations

from app.clients.atomic_write import write_atomic

__all__ = ["write_atomic"]
