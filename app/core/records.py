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
    # fill-first | round-robin | sticky-round-robin | least-used (routing/accounts.py)
    account_strategy: str = "fill-first"
    # For sticky-round-robin: requests an account serves before the next takes over (None: 3).
    sticky_requests: int | None = None


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


class RequestKind(StrEnum):
    """What a request asks the gateway for; a key's access list can allow each kind or not.

    One kind per endpoint family, so a key can be limited to, say, Claude Code's Messages API:
    chat: POST /v1/chat/completions; responses: POST /v1/responses; messages: POST /v1/messages;
    gemini: POST /v1beta/models/{model}:generateContent or :streamGenerateContent; count_tokens:
    POST /v1/messages/count_tokens and Gemini's :countTokens; models: GET /v1/models, /v1beta/models.
    """

    CHAT = "chat"
    RESPONSES = "responses"
    MESSAGES = "messages"
    GEMINI = "gemini"
    COUNT_TOKENS = "count_tokens"
    MODELS = "models"

    @property
    def generates(self) -> bool:
        """Whether the request reaches an upstream model and so counts against limits and budget."""
        return self in _GENERATING


_GENERATING = frozenset({RequestKind.CHAT, RequestKind.RESPONSES, RequestKind.MESSAGES, RequestKind.GEMINI})


@dataclass(frozen=True, slots=True)
class AccessList:
    """One of a key's access lists: everything (`names` None), nothing (empty), or the names given."""

    names: frozenset[str] | None = None

    @staticmethod
    def everything() -> AccessList:
        return AccessList(None)

    @staticmethod
    def nothing() -> AccessList:
        return AccessList(frozenset())

    @property
    def is_everything(self) -> bool:
        return self.names is None

    def allows(self, name: str) -> bool:
        return self.names is None or name in self.names

    def describe(self) -> str:
        if self.names is None:
            return "all"
        return ",".join(sorted(self.names)) if self.names else "none"


_ALL = AccessList()


@dataclass(frozen=True, slots=True)
class KeyLimits:
    """What one local API key may do. The defaults allow everything, without limits."""

    providers: AccessList = _ALL
    combos: AccessList = _ALL
    kinds: AccessList = _ALL
    # Generation requests started per rolling minute (None: no limit).
    requests_per_minute: int | None = None
    # Generation requests in flight at once (None: no limit).
    max_concurrent: int | None = None
    # USD per calendar month (UTC), from model prices (see app/providers/model_facts.py) (None: no budget).
    monthly_budget_usd: float | None = None
    # Token savers for this key: None follows the global setting; "off", or a list like "rtk,caveman".
    token_savers: str | None = None


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
    limits: KeyLimits = KeyLimits()


@dataclass(frozen=True, slots=True)
class ComboRecord:
    name: str
    strategy: str
    targets: tuple[str, ...]
    enabled: bool = True
    # Strategy parameters as (name, value) pairs, sorted: weights, judge, timeouts (routing/combos.py).
    options: tuple[tuple[str, object], ...] = ()

    def option(self, name: str, default: object = None) -> object:
        return next((v for k, v in self.options if k == name), default)


@dataclass(frozen=True, slots=True)
class ModelOverrideRecord:
    """A user's own facts about one provider's model; None leaves a fact to the provider's list and
    the catalogue. A price is whole (input and output) or absent; prices are USD per million tokens."""

    provider_id: str
    model_id: str
    context_window: int | None = None
    max_output: int | None = None
    price_input: float | None = None
    price_output: float | None = None
    price_cached: float | None = None

    @property
    def empty(self) -> bool:
        return self.context_window is None and self.max_output is None and self.price_input is None


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """One request through the gateway, as written (in batches) to the usage table."""

    request_id: str
    started_at: datetime
    api_key_name: str | None
    client_format: WireFormat
    provider_id: str | None
    account_id: int | None
    # The model string the client sent (may name a combo or carry a reasoning suffix).
    model: str
    status: int
    latency_ms: float
    stream: bool
    # All input, cached included, and all output, reasoning included (as in formats.ir.Usage).
    input_tokens: int | None = None
    output_tokens: int | None = None
    error: str | None = None
    # The client program, from its User-Agent ("claude-cli", "codex", "openai-python", …).
    client_app: str | None = None
    # The model the upstream was asked for (what prices are looked up by).
    upstream_model: str | None = None
    cached_tokens: int | None = None
    cache_write_tokens: int | None = None
    reasoning_tokens: int | None = None
    # USD from the model's price (user, provider list or catalogue); None when the model has no known price.
    cost_usd: float | None = None
    # Time until the first byte of the answer reached the client.
    ttft_ms: float | None = None
    # Upstream attempts it took (0 when the request never reached one).
    attempts: int = 0
    # Tokens of the tool output the savers rewrote, before and after (None: nothing was rewritten).
    saver_tokens_before: int | None = None
    saver_tokens_after: int | None = None


@dataclass(frozen=True, slots=True)
class UsageSummaryRow:
    provider_id: str | None
    model: str
    requests: int
    errors: int
    input_tokens: int
    output_tokens: int


class UsageDimension(StrEnum):
    """What usage can be grouped by."""

    DAY = "day"
    KEY = "key"
    PROVIDER = "provider"
    MODEL = "model"
    APP = "app"


@dataclass(frozen=True, slots=True)
class UsageTotals:
    """Usage summed over one group (one day, key, provider, model or client app)."""

    group: str | None
    requests: int
    errors: int
    input_tokens: int
    output_tokens: int
    cached_tokens: int
    reasoning_tokens: int
    cost_usd: float
    avg_latency_ms: float | None
    avg_ttft_ms: float | None
    # Tokens the token savers took out of tool output before it went upstream.
    saved_tokens: int = 0


@dataclass(frozen=True, slots=True)
class UsagePoint:
    """One day of one series (a key, provider, model or app; `series` None for all traffic): for charts."""

    day: str  # YYYY-MM-DD, UTC
    series: str | None
    requests: int
    input_tokens: int
    output_tokens: int
    cost_usd: float
