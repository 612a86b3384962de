"""Per-key access control, in memory on the request path: access lists, limits and monthly budgets.

Every local API key carries `KeyLimits` (in the routing snapshot, so nothing here reads the database):

- access lists for providers, combos and request kinds (see `RequestKind`), each all, none or a list.
  The provider list governs every upstream a key's traffic may reach, whether named directly or
  through a combo; the combo list governs which combos a key may name. Candidates on a provider the
  key may not use are dropped from a combo; when none is left the request is refused.
- requests per minute (a sliding 60-second window of start times) and concurrent requests. Both
  count generation requests only (chat, responses, messages, gemini): listing models and counting
  tokens are cheap local answers and never use an upstream's quota.
- a monthly budget in USD. Month-to-date spend per key name is seeded at start from the usage table
  and grows with the cost of every finished request; it starts again at 0 on the 1st (UTC). A request
  is refused once the spend has reached the budget; one that started under it is finished, so the
  budget can be overshot by the requests in flight. Gateways sharing one PostgreSQL database catch up
  with each other's spend from the shared table every minute (services.usage.BudgetSync).

How refusals read, in the client's own error format:
- 403 permission_error (code `access_denied`) for an access list, naming the list and what was asked;
- 429 rate_limit_error (code `key_rate_limited` / `key_concurrency_limited`) with Retry-After;
- 402 billing_error (code `budget_exceeded`) for a spent budget: a payment-type error that the
  OpenAI and Anthropic SDKs (and Claude Code) do not retry, since retrying cannot help before the
  1st. Gemini has no 402 (its errors are gRPC statuses), so a Gemini client gets 429
  RESOURCE_EXHAUSTED, Google's own answer for a spent quota. Retry-After says when the month ends.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from app.core.clock import Clock
from app.core.errors import ClientError, Forbidden
from app.core.events import RequestFinished
from app.core.records import ApiKeyRecord, RequestKind, WireFormat
from app.routing.snapshot import Candidate

_WINDOW_S = 60.0
# A concurrency refusal cannot know when a slot frees; a second is a polite first back-off.
_CONCURRENCY_RETRY_S = 1.0


class AccessDenied(Forbidden):
    code = "access_denied"


class KeyRateLimited(ClientError):
    status = 429
    code = "key_rate_limited"
    kind = "rate_limit_error"

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class KeyConcurrencyLimited(KeyRateLimited):
    code = "key_concurrency_limited"


class BudgetExceeded(ClientError):
    status = 402
    code = "budget_exceeded"
    kind = "billing_error"

    def __init__(self, message: str, *, retry_after: float, client_format: WireFormat) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        if client_format is WireFormat.GEMINI:
            self.status, self.kind = 429, "rate_limit_error"


def kind_of(method: str, path: str) -> RequestKind | None:
    """The kind of an API request, or None for what is not one (probes, health, admin)."""
    if method == "POST":
        if path == "/v1/chat/completions":
            return RequestKind.CHAT
        if path == "/v1/responses" or path.startswith("/v1/responses/"):
            return RequestKind.RESPONSES
        if path == "/v1/messages":
            return RequestKind.MESSAGES
        if path == "/v1/messages/count_tokens":
            return RequestKind.COUNT_TOKENS
        if path.startswith("/v1beta/models/"):
            action = path.rpartition(":")[2]
            if action in ("generateContent", "streamGenerateContent"):
                return RequestKind.GEMINI
            if action == "countTokens":
                return RequestKind.COUNT_TOKENS
        return None
    if method in ("GET", "HEAD") and (
        path in ("/v1/models", "/v1beta/models") or path.startswith(("/v1/models/", "/v1beta/models/"))
    ):
        return RequestKind.MODELS
    return None


CLIENT_FORMAT: Mapping[RequestKind, WireFormat] = {
    RequestKind.CHAT: WireFormat.OPENAI,
    RequestKind.RESPONSES: WireFormat.RESPONSES,
    RequestKind.MESSAGES: WireFormat.ANTHROPIC,
    RequestKind.GEMINI: WireFormat.GEMINI,
}


def check_target(key: ApiKeyRecord, provider_id: str, combo_name: str | None = None) -> None:
    """Refuse (403) a provider, or a combo, this key's access lists leave out."""
    limits = key.limits
    if combo_name is not None and not limits.combos.allows(combo_name):
        raise AccessDenied(
            f"API key '{key.name}' may not use combo '{combo_name}' (its combos: {limits.combos.describe()})"
        )
    if not limits.providers.allows(provider_id):
        raise AccessDenied(
            f"API key '{key.name}' may not use provider '{provider_id}' "
            f"(its providers: {limits.providers.describe()})"
        )


def permitted(
    key: ApiKeyRecord, candidates: tuple[Candidate, ...], combo_name: str | None = None
) -> tuple[Candidate, ...]:
    """The candidates this key may use, in their order; 403 when the combo, or every candidate's
    provider, is off its lists. Call it on the resolved candidates, before any is tried."""
    limits = key.limits
    if combo_name is not None and not limits.combos.allows(combo_name):
        raise AccessDenied(
            f"API key '{key.name}' may not use combo '{combo_name}' (its combos: {limits.combos.describe()})"
        )
    if limits.providers.is_everything:
        return candidates
    allowed = tuple(c for c in candidates if limits.providers.allows(c.target.provider_id))
    if candidates and not allowed:
        asked = ", ".join(sorted({c.target.provider_id for c in candidates}))
        raise AccessDenied(
            f"API key '{key.name}' may not use provider '{asked}' (its providers: {limits.providers.describe()})"
        )
    return allowed


@dataclass(slots=True)
class Ticket:
    """A generation request admitted for a key; release() frees its concurrency slot (idempotent)."""

    _control: AccessControl | None
    _name: str

    def release(self) -> None:
        control, self._control = self._control, None
        if control is not None:
            control._release(self._name)


def _month_of(when: datetime) -> tuple[int, int]:
    when = when.astimezone(UTC)
    return when.year, when.month


def month_start(when: datetime) -> datetime:
    """The first instant of `when`'s calendar month, UTC: where month-to-date spend starts."""
    year, month = _month_of(when)
    return datetime(year, month, 1, tzinfo=UTC)


def _next_month(when: datetime) -> datetime:
    year, month = _month_of(when)
    return datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)


class AccessControl:
    """The mutable per-key state behind the limits: start times, requests in flight, spend.

    Keyed by key name, so a key rotated under the same name keeps its month's spend. Touched only from
    the event loop's thread.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._starts: dict[str, deque[float]] = {}
        self._in_flight: dict[str, int] = {}
        self._spend: dict[str, float] = {}
        self._month = _month_of(clock.now())

    # --- budgets --------------------------------------------------------------------------------

    def seed_spend(self, spend: Mapping[str, float], month_of: datetime) -> None:
        """Month-to-date spend per key name as the usage table knows it (at start)."""
        self._month = _month_of(month_of)
        self._spend = {name: float(value) for name, value in spend.items()}
        self._roll_month()

    def merge_spend(self, spend: Mapping[str, float], month_of: datetime) -> None:
        """Take the usage table's month-to-date spend where it is higher than ours: other gateways
        sharing the database spend from the same budgets. Ours stays where it is higher (rows not
        written yet)."""
        self._roll_month()
        if _month_of(month_of) != self._month:
            return  # read before the month turned: last month's spend
        for name, value in spend.items():
            if value > self._spend.get(name, 0.0):
                self._spend[name] = float(value)

    def spent(self, name: str) -> float:
        self._roll_month()
        return self._spend.get(name, 0.0)

    def on_finished(self, event: RequestFinished) -> None:
        """Adds a finished request's cost to its key's spend (a bus handler)."""
        usage = event.usage
        if usage.api_key_name is None or not usage.cost_usd:
            return
        self._roll_month()
        self._spend[usage.api_key_name] = self._spend.get(usage.api_key_name, 0.0) + usage.cost_usd

    def _roll_month(self) -> None:
        month = _month_of(self._clock.now())
        if month != self._month:
            self._month = month
            self._spend.clear()

    # --- admission ------------------------------------------------------------------------------

    def check_kind(self, key: ApiKeyRecord, kind: RequestKind) -> None:
        kinds = key.limits.kinds
        if not kinds.allows(kind.value):
            raise AccessDenied(
                f"API key '{key.name}' may not make '{kind.value}' requests (its kinds: {kinds.describe()})"
            )

    def admit(self, key: ApiKeyRecord, kind: RequestKind) -> Ticket | None:
        """Checks the kind list and, for a generation request, the budget, the rate and concurrency
        limits, in that order. Returns a ticket to release when the request ends (None when nothing
        was taken)."""
        self.check_kind(key, kind)
        if not kind.generates:
            return None
        limits = key.limits
        name = key.name
        if limits.monthly_budget_usd is not None:
            spent = self.spent(name)
            if spent >= limits.monthly_budget_usd:
                now = self._clock.now()
                resets = _next_month(now)
                raise BudgetExceeded(
                    f"API key '{name}' has spent its monthly budget: ${spent:.2f} of "
                    f"${limits.monthly_budget_usd:.2f}; it resets on {resets:%Y-%m-%d} (UTC)",
                    retry_after=math.ceil((resets - now).total_seconds()),
                    client_format=CLIENT_FORMAT[kind],
                )
        now_s = self._clock.monotonic()
        starts: deque[float] | None = None
        if limits.requests_per_minute is not None:
            starts = self._starts.setdefault(name, deque())
            while starts and starts[0] <= now_s - _WINDOW_S:
                starts.popleft()
            if len(starts) >= limits.requests_per_minute:
                wait = max(1, math.ceil(starts[0] + _WINDOW_S - now_s))
                raise KeyRateLimited(
                    f"API key '{name}' is limited to {limits.requests_per_minute} requests per minute; "
                    f"retry in {wait} s",
                    retry_after=wait,
                )
        in_flight = self._in_flight.get(name, 0)
        if limits.max_concurrent is not None and in_flight >= limits.max_concurrent:
            raise KeyConcurrencyLimited(
                f"API key '{name}' is limited to {limits.max_concurrent} concurrent requests",
                retry_after=_CONCURRENCY_RETRY_S,
            )
        if starts is not None:
            starts.append(now_s)
        self._in_flight[name] = in_flight + 1
        return Ticket(self, name)

    def _release(self, name: str) -> None:
        left = self._in_flight.get(name, 0) - 1
        if left > 0:
            self._in_flight[name] = left
        else:
            self._in_flight.pop(name, None)

    def in_flight(self, name: str) -> int:
        return self._in_flight.get(name, 0)
