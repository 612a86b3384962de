"""Domain values handed between layers. Frozen: nobody mutates a snapshot they were given."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class WireFormat(StrEnum):
    """The four wire formats VansRoute speaks in and out."""

    OPENAI = "openai"  # OpenAI Chat Completions
    RESPONSES = "responses"  # OpenAI Responses
    ANTHROPIC = "anthropic"  # Anthropic Messages
    GEMINI = "gemini"  # Gemini generateContent


@dataclass(frozen=True, slots=True)
class ProviderRecord:
    id: str
    wire_format: WireFormat
    base_url: str
    models: tuple[str, ...] = ()
    display_name: str = ""
    enabled: bool = True
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AccountRecord:
    id: int
    provider_id: str
    label: str
    # Where the key lives: "keyring:<uuid>" or "env:<VARIABLE>". Never the key itself.
    secret_ref: str
    priority: int = 0
    enabled: bool = True
    proxy_url: str | None = None
    max_concurrency: int | None = None
    created_at: datetime | None = None
    parked_until: datetime | None = None
    parked_reason: str | None = None
    disabled_reason: str | None = None


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    id: int
    name: str
    # sha256 hex of the full key; the key itself is shown once and never stored.
    key_hash: str
    # The first characters of the key, so a user can tell keys apart in lists.
    prefix: str
    revoked: bool = False
    created_at: datetime | None = None
    last_used_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ComboRecord:
    name: str
    strategy: str
    targets: tuple[str, ...]
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """One request through the gateway, as written (in batches) to the usage table."""

    request_id: str
    started_at: datetime
    api_key_name: str | None
    client_format: WireFormat
    provider_id: str | None
    account_id: int | None
    model: str
    status: int
    latency_ms: float
    stream: bool
    input_tokens: int | None = None
    output_tokens: int | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class UsageSummaryRow:
    provider_id: str | None
    model: str
    requests: int
    errors: int
    input_tokens: int
    output_tokens: int
