"""What a writer is given and what it describes: the gateway target, the model mapping, each tool's
managed files, and the status it reports."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.clients.document import Assignments, Document, KeyPath

ROLES = ("default", "opus", "sonnet", "haiku", "subagent")


@dataclass(frozen=True, slots=True)
class ModelMapping:
    """The models the user picked per role; None leaves that setting of the tool as it is."""

    default: str | None = None
    opus: str | None = None
    sonnet: str | None = None
    haiku: str | None = None
    subagent: str | None = None

    def get(self, role: str) -> str | None:
        value: str | None = getattr(self, role)
        return value


@dataclass(frozen=True, slots=True)
class GatewayTarget:
    """Where the tool should send its requests, and with which of our keys."""

    base_url: str  # the root URL, e.g. http://127.0.0.1:20127 (no /v1)
    key: str
    models: ModelMapping = field(default_factory=ModelMapping)

    def __repr__(self) -> str:  # the key never reaches a log line or a traceback
        return f"GatewayTarget(base_url={self.base_url!r}, models={self.models!r})"

    @property
    def v1(self) -> str:
        return self.base_url.rstrip("/") + "/v1"


@dataclass(frozen=True, slots=True)
class ManagedFile:
    """One file of a tool and the keys VansRoute owns in it."""

    relative: str  # to the user's home, with "/" separators
    document: Document
    keys: tuple[KeyPath, ...]  # every key we may change (restore puts each back)
    assign: Callable[[GatewayTarget], Assignments]  # pure: the target → the values of our keys
    # Where the file sends the tool now; None for a file that only completes the setup (an auth
    # switch) and says nothing about where requests go.
    route: Callable[[Mapping[KeyPath, Any]], str | None] | None
    secret_keys: tuple[KeyPath, ...] = ()  # where our key sits (masked in diffs, read for reuse)
    # Other names the tool accepts for the same file (opencode.jsonc…): an existing one is edited.
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ClientSpec:
    id: str
    name: str
    executables: tuple[str, ...]
    config_dirs: tuple[str, ...]  # relative to home: their presence means the tool was used here
    files: tuple[ManagedFile, ...]
    roles: tuple[str, ...] = ("default",)  # which ModelMapping roles the tool understands
    # For tools configured in their own UI (Cursor): the values to show and copy.
    copy_values: Callable[[GatewayTarget], tuple[tuple[str, str], ...]] | None = None
    requires_model: bool = False  # the tool lists models by name: --model is needed
    notes: str = ""

    @property
    def key_name(self) -> str:
        """The name of the tool's own gateway key, so usage shows per tool."""
        return f"tool.{self.id}"

    @property
    def writable(self) -> bool:
        return bool(self.files)


@dataclass(frozen=True, slots=True)
class FileStatus:
    path: str
    exists: bool
    managed: bool  # configured by VansRoute and not restored since
    routes_to: str | None  # the base URL the tool is pointed at through this file
    points_at_us: bool
    error: str | None = None  # the file does not parse: why and where


@dataclass(frozen=True, slots=True)
class ClientStatus:
    id: str
    name: str
    installed: bool
    writable: bool
    files: tuple[FileStatus, ...]

    @property
    def configured(self) -> bool:
        return bool(self.files) and all(f.managed and f.points_at_us for f in self.files)

    @property
    def summary(self) -> str:
        if not self.writable:
            return "values to copy"
        if any(f.error for f in self.files):
            return "file broken"
        if self.configured:
            return "configured"
        if any(f.managed for f in self.files):
            return "changed since configured"
        if any(f.routes_to for f in self.files):
            return "points elsewhere"
        return "not configured"
