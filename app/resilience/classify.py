"""Upstream failures sorted into the few kinds the resilience policies act on.

The attempt loop hands over what it saw — an HTTP status with headers and body, or a transport
failure — and gets back a `Failure`: what happened, whether the circuit breaker counts it, whether
the next candidate is worth trying, and how long the provider asked us to wait.

Usage::

    failure = classify_status(err.status, err.headers, err.body, now=clock.now())
    if failure.counts_for_breaker:
        ...  # breaker.record_failure(...)
    cooldowns.record(account_key, model, failure)
    if should_park(failure):  # quota.py
        ...  # services park the account until quota.park_until(...)
    if not failure.falls_back:
        raise ...  # the request's own fault: every candidate would refuse it

    failure = classify_transport("timeout", "no answer within 200 s")

Vendor facts this relies on (from their docs and the fakes in tests/fakes/):

* OpenAI and OpenAI-compatible servers (Groq, DeepSeek, vLLM, OpenRouter) say what they mean in
  `error.code` / `error.type`: `rate_limit_exceeded` (with "per min (RPM)" or "per day (RPD)" in the
  message and "Please try again in 6m0s"), `insufficient_quota`, `context_length_exceeded`; reset
  headers are Go durations (`x-ratelimit-reset-requests: 6m0s`), OpenRouter's `x-ratelimit-reset`
  is epoch milliseconds.
* Anthropic: `rate_limit_error` (429, with `retry-after`), `overloaded_error` (529), `billing_error`
  (402), "prompt is too long" (400), and quota walls sent as a 400 — "Your credit balance is too
  low", "You will regain access on 2026-04-01 at 00:00 UTC"; `anthropic-ratelimit-*-reset` headers
  are RFC 3339.
* Gemini: 429 RESOURCE_EXHAUSTED whose `QuotaFailure` quota ids tell per-minute from per-day, and a
  `RetryInfo.retryDelay` ("30s") instead of a Retry-After header; an invalid key is a 400 with
  ErrorInfo reason API_KEY_INVALID; per-day quotas reset at midnight US Pacific time.
* The ChatGPT backend (Codex accounts): 429 `usage_limit_reached` with `resets_at` / `resets_in_seconds`.

The order of the checks matters: the reference exhaustion regex also matches OpenAI's plain
per-minute "Rate limit reached for …" and Gemini's per-minute "Quota exceeded for metric", so the
structured codes are read first and the regex only decides what they leave open.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any, Final

import orjson

from app.core.redact import redact

__all__ = ["EXHAUSTION", "Failure", "FailureKind", "classify_status", "classify_transport"]


class FailureKind(StrEnum):
    RATE_LIMITED = "rate_limited"
    QUOTA_EXHAUSTED = "quota_exhausted"
    DAILY_QUOTA = "daily_quota"
    CREDENTIAL_REJECTED = "credential_rejected"
    MODEL_NOT_FOUND = "model_not_found"
    CONTEXT_TOO_LONG = "context_too_long"
    OVERLOADED = "overloaded"
    SERVER_ERROR = "server_error"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    PROXY_FAILED = "proxy_failed"
    BAD_REQUEST = "bad_request"


@dataclass(frozen=True, slots=True)
class Failure:
    kind: FailureKind
    status: int | None
    # Seconds the provider asked us to wait (Retry-After, retry-after-ms, RetryInfo, the reset
    # headers, "try again in 6m0s"); for DAILY_QUOTA the seconds until `reset_at`.
    retry_after_s: float | None
    # An absolute reset: when the provider gave one (HTTP-date Retry-After, RFC 3339 reset header,
    # epoch), and always for DAILY_QUOTA (the provider's, else the next daily boundary).
    reset_at: datetime | None
    # 408, 5xx (529 included), timeouts, unreachable upstreams and proxies; never 429, never 4xx.
    counts_for_breaker: bool
    # Worth trying the next candidate: everything but BAD_REQUEST (a longer context fits elsewhere).
    falls_back: bool
    # Short, redacted: safe for logs, events and `vansroute status`.
    message: str


# The reference system's exhaustion regex (REFERENCE.md), verbatim.
EXHAUSTION: Final = re.compile(
    r"credits?.{0,20}exhausted|quota.{0,20}exhausted|no remaining credits|insufficient.{0,20}credits"
    r"|payment.{0,10}required|quota.{0,20}exceeded|rate.?limit.{0,20}reached",
    re.IGNORECASE,
)

# Labels are the lower-cased error.type / error.code / error.status / ErrorInfo reasons of a body.
_EXHAUSTED_LABELS: Final = frozenset(
    {
        "insufficient_quota",  # OpenAI: billing exhausted
        "billing_hard_limit_reached",  # OpenAI
        "billing_error",  # Anthropic 402
        "usage_limit_reached",  # ChatGPT backend (Codex accounts)
        "insufficient_g1_credits_balance",  # Google
        "quota_exhausted",  # Google Cloud Code
    }
)
_RATE_LABELS: Final = frozenset({"rate_limit_exceeded", "rate_limit_error", "requests", "tokens"})
_OVERLOAD_LABELS: Final = frozenset({"overloaded_error", "server_is_overloaded", "engine_overloaded"})
_CONTEXT_LABELS: Final = frozenset({"context_length_exceeded", "string_above_max_length", "prompt_too_long"})
_CREDENTIAL_LABELS: Final = frozenset(
    {"api_key_invalid", "api_key_expired", "access_token_expired", "invalid_api_key", "authentication_error"}
)

# Quota walls that the reference regex misses (Anthropic sends these as a 400).
_BILLING: Final = re.compile(
    r"credit balance is too low|regain access on|reached your (?:specified )?(?:api )?usage limit"
    r"|usage limit has been reached",
    re.IGNORECASE,
)
_PER_MINUTE: Final = re.compile(
    r"per[ -]?min(?:ute)?\b|\b(?:RPM|TPM|RPS|TPS)\b|per[ -]?second", re.IGNORECASE
)
_DAILY: Final = re.compile(r"per[ -]?day\b|\bdaily\b|\b(?:RPD|TPD)\b", re.IGNORECASE)
_OVERLOADED: Final = re.compile(r"overloaded|over capacity", re.IGNORECASE)
_CONTEXT: Final = re.compile(
    r"maximum context length|context (?:window|limit)|prompt is too long|input is too long"
    r"|too many (?:input )?tokens|exceeds? the maximum (?:number of )?tokens|reduce the length of the messages",
    re.IGNORECASE,
)
_MODEL_MISSING: Final = re.compile(
    r"\bmodel\b.{0,80}?(?:not found|does not exist|not exist)"
    r"|(?:unknown|invalid|unsupported) model|not a valid model",
    re.IGNORECASE,
)
_CREDENTIAL_TEXT: Final = re.compile(
    r"api key not valid|api key expired|invalid api key|incorrect api key|location is not supported",
    re.IGNORECASE,
)

# "Please try again in 6m0s." / "Please retry in 30.5s." / "try again in 20ms"
_TEXT_WAIT: Final = re.compile(
    r"(?:try again|retry) in\s+((?:\d+(?:\.\d+)?\s*(?:ms|h|m|s)(?![a-z])\s*)+)", re.I
)
_REGAIN: Final = re.compile(r"regain access on (\d{4}-\d{2}-\d{2})(?: at (\d{1,2}):(\d{2}))?", re.I)
_GO_PART: Final = re.compile(r"(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)")
_UNIT_S: Final[Mapping[str, float]] = {
    "h": 3600.0,
    "m": 60.0,
    "s": 1.0,
    "ms": 1e-3,
    "us": 1e-6,
    "µs": 1e-6,
    "ns": 1e-9,
}
_DIMENSIONS: Final = ("requests", "tokens", "input-tokens", "output-tokens")

_MAX_JSON: Final = 256 * 1024  # an error body larger than this is not an API error object
_MAX_TEXT: Final = 8 * 1024  # bounds the regex work on a hostile or huge body
_MAX_MESSAGE: Final = 200
_MAX_WAIT_S: Final = 366 * 86400.0
_MASKED: Final = re.compile(r"\S*\*{4,}\S*")  # "sk-fake-****1234": a partial key is still a key

_BREAKER_KINDS: Final = frozenset(
    {
        FailureKind.OVERLOADED,
        FailureKind.SERVER_ERROR,
        FailureKind.TIMEOUT,
        FailureKind.UNREACHABLE,
        FailureKind.PROXY_FAILED,
    }
)
_RATE_FAMILY: Final = frozenset(
    {FailureKind.RATE_LIMITED, FailureKind.QUOTA_EXHAUSTED, FailureKind.DAILY_QUOTA}
)
_TRANSPORT: Final[Mapping[str, FailureKind]] = {
    "timeout": FailureKind.TIMEOUT,
    "unreachable": FailureKind.UNREACHABLE,
    "proxy": FailureKind.PROXY_FAILED,
}


# --------------------------------------------------------------------------- public API


def classify_status(status: int, headers: Mapping[str, str], body: bytes, *, now: datetime) -> Failure:
    """Classifies an upstream HTTP error answer. `now` is the wall clock (for HTTP dates and resets)."""
    now = _utc(now)
    lowered = {k.lower(): v for k, v in headers.items()}
    parsed = _parse_body(body)
    kind = _kind(status, parsed)
    seconds: float | None
    reset_at: datetime | None
    if kind is FailureKind.DAILY_QUOTA:
        reset_at = _daily_reset(parsed, lowered, now)
        seconds = max(0.0, (reset_at - now).total_seconds())
    else:
        wait = _provider_wait(
            lowered, parsed, now, rate_family=kind in _RATE_FAMILY, spent=kind is FailureKind.QUOTA_EXHAUSTED
        )
        seconds, reset_at = wait if wait is not None else (None, None)
    return _failure(kind, status, seconds, reset_at, _summary(status, parsed))


def classify_transport(kind: str, message: str) -> Failure:
    """A failure before any HTTP status: "timeout", "unreachable" or "proxy" (anything else counts as
    unreachable rather than raising inside the attempt loop)."""
    failure_kind = _TRANSPORT.get(kind, FailureKind.UNREACHABLE)
    return _failure(failure_kind, None, None, None, _clean(message) or failure_kind.value)


# --------------------------------------------------------------------------- the decision


def _failure(
    kind: FailureKind, status: int | None, seconds: float | None, reset_at: datetime | None, message: str
) -> Failure:
    counts = kind in _BREAKER_KINDS and (status is None or status == 408 or status >= 500)
    return Failure(
        kind=kind,
        status=status,
        retry_after_s=seconds,
        reset_at=reset_at,
        counts_for_breaker=counts,
        falls_back=kind is not FailureKind.BAD_REQUEST,
        message=message,
    )


def _kind(status: int, p: _Body) -> FailureKind:
    if status == 429:
        return _quota_kind(p, is_429=True) or FailureKind.RATE_LIMITED
    if status == 402:
        return FailureKind.QUOTA_EXHAUSTED
    if status == 401:
        return FailureKind.CREDENTIAL_REJECTED
    if status == 403:
        return _quota_kind(p, is_429=False) or FailureKind.CREDENTIAL_REJECTED
    if status in (404, 410):
        # Anthropic's 404 body may just say "not_found_error"; at a chat endpoint a 404 means this
        # account cannot serve this model either way, and another candidate may.
        return FailureKind.MODEL_NOT_FOUND
    if status == 408:
        return FailureKind.TIMEOUT
    if status == 413:
        # Too large for this upstream; another candidate may take more.
        return FailureKind.CONTEXT_TOO_LONG
    if status in (400, 422):
        return _bad_request_kind(p)
    if status in (409, 423, 425):
        # Transient conflicts: worth the next candidate, but a 4xx never feeds the breaker.
        return FailureKind.SERVER_ERROR
    if 400 <= status < 500:
        return FailureKind.BAD_REQUEST
    if status in (503, 529) or p.labels & _OVERLOAD_LABELS or _OVERLOADED.search(p.text):
        return FailureKind.OVERLOADED
    if status == 504:
        return FailureKind.TIMEOUT
    return FailureKind.SERVER_ERROR


def _bad_request_kind(p: _Body) -> FailureKind:
    if p.labels & _CREDENTIAL_LABELS or _CREDENTIAL_TEXT.search(p.text):
        return FailureKind.CREDENTIAL_REJECTED
    quota = _quota_kind(p, is_429=False)
    if quota is not None:
        return quota
    if p.labels & _CONTEXT_LABELS or _CONTEXT.search(p.text):
        return FailureKind.CONTEXT_TOO_LONG
    if "model_not_found" in p.labels or _MODEL_MISSING.search(p.text):
        return FailureKind.MODEL_NOT_FOUND
    return FailureKind.BAD_REQUEST


def _quota_kind(p: _Body, *, is_429: bool) -> FailureKind | None:
    """For a 429 always a verdict; for other statuses only when the body speaks of limits."""
    hard = bool(p.labels & _EXHAUSTED_LABELS) or _BILLING.search(p.text) is not None
    plain = (
        bool(p.labels & _RATE_LABELS)
        or any("perminute" in q or "persecond" in q for q in p.quota_ids)
        or _PER_MINUTE.search(p.text) is not None
    )
    regex = EXHAUSTION.search(p.text) is not None
    if not (is_429 or hard or plain or regex):
        return None
    # Gemini lists every quota a request broke; one per-day violation means waiting for the day.
    if any("perday" in q or "daily" in q for q in p.quota_ids) or _DAILY.search(p.text):
        return FailureKind.DAILY_QUOTA
    if hard:
        return FailureKind.QUOTA_EXHAUSTED
    if plain:
        return FailureKind.RATE_LIMITED
    if regex:
        return FailureKind.QUOTA_EXHAUSTED
    return FailureKind.RATE_LIMITED


# --------------------------------------------------------------------------- the body


@dataclass(frozen=True, slots=True)
class _Body:
    message: str
    labels: frozenset[str]
    quota_ids: tuple[str, ...]  # lower-cased QuotaFailure quota ids / ErrorInfo quota_limit
    retry_delay_s: float | None  # Gemini RetryInfo
    resets_at: float | None  # ChatGPT backend, epoch seconds
    resets_in_s: float | None  # ChatGPT backend
    text: str  # the message (and OpenRouter's upstream message), for the regexes


def _parse_body(body: bytes) -> _Body:
    error: Mapping[str, Any] | None = None
    if body and len(body) <= _MAX_JSON:
        try:
            error = _error_object(orjson.loads(body))
        except orjson.JSONDecodeError:
            error = None
    if error is None:
        raw = body[:_MAX_TEXT].decode("utf-8", errors="replace").strip()
        return _Body(raw, frozenset(), (), None, None, None, raw)

    message = _first_str(error.get("message"), error.get("detail"), error.get("error"))
    labels: set[str] = set()
    for key in ("type", "code", "status"):
        value = error.get(key)
        if isinstance(value, str) and value:
            labels.add(value.lower())
    quota_ids: list[str] = []
    retry_delay: float | None = None
    extra: list[str] = []
    for detail in _mappings(error.get("details")):
        detail_type = str(detail.get("@type", ""))
        if detail_type.endswith("google.rpc.QuotaFailure"):
            for violation in _mappings(detail.get("violations")):
                quota_id = violation.get("quotaId")
                if isinstance(quota_id, str):
                    quota_ids.append(quota_id.lower())
        elif detail_type.endswith("google.rpc.ErrorInfo"):
            reason = detail.get("reason")
            if isinstance(reason, str):
                labels.add(reason.lower())
            metadata = detail.get("metadata")
            if isinstance(metadata, Mapping) and isinstance(metadata.get("quota_limit"), str):
                quota_ids.append(metadata["quota_limit"].lower())
        elif detail_type.endswith("google.rpc.RetryInfo"):
            delay = detail.get("retryDelay")
            if isinstance(delay, str):
                retry_delay = _parse_duration(delay)
    metadata = error.get("metadata")
    if isinstance(metadata, Mapping) and isinstance(metadata.get("raw"), str):
        extra.append(metadata["raw"])  # OpenRouter: the upstream provider's own message
    # Only prose goes into the regex text: "(e.g. check quota)" next to the label "resource_exhausted"
    # would read as "quota … exhausted".
    text = " ".join([message, *extra])[:_MAX_TEXT]
    return _Body(
        message=message,
        labels=frozenset(labels),
        quota_ids=tuple(quota_ids),
        retry_delay_s=retry_delay,
        resets_at=_number(error.get("resets_at")),
        resets_in_s=_number(error.get("resets_in_seconds")),
        text=text,
    )


def _error_object(doc: Any) -> Mapping[str, Any] | None:
    if isinstance(doc, list) and doc:  # Gemini's OpenAI endpoint and stream arrays wrap errors in a list
        doc = doc[0]
    if not isinstance(doc, Mapping):
        return None
    error = doc.get("error", doc)
    if isinstance(error, str):
        return {"message": error}
    return error if isinstance(error, Mapping) else None


def _mappings(value: Any) -> Iterable[Mapping[str, Any]]:
    if isinstance(value, list):
        return [item for item in value if isinstance(item, Mapping)]
    return ()


def _first_str(*values: Any) -> str:
    for value in values:
        if isinstance(value, str) and value:
            return value
    return ""


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _summary(status: int, p: _Body) -> str:
    # An HTML error page (a CDN's 502) says nothing a log line needs.
    text = "" if p.message.startswith("<") else _clean(p.message)
    return f"HTTP {status}: {text}" if text else f"HTTP {status}"


def _clean(text: str) -> str:
    text = _MASKED.sub("***", redact(" ".join(text.split())))
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


# --------------------------------------------------------------------------- waits and resets


_Wait = tuple[float, datetime | None]  # seconds from now, and the absolute time when the source gave one


def _provider_wait(
    h: Mapping[str, str], p: _Body, now: datetime, *, rate_family: bool, spent: bool = False
) -> _Wait | None:
    """The first wait the provider states, most explicit source first. Reset headers and message text
    are read only for limit failures: the `x-ratelimit-*` headers ride on every answer, 500s too.
    For a spent balance they are ignored as well: they time the request window (OpenAI's
    `insufficient_quota` 429 carries `x-ratelimit-reset-requests: 6ms`), not the money."""
    wait = _retry_after(h, now)
    if wait is None and rate_family:
        wait = _codex_reset(p, now)
    if wait is None and p.retry_delay_s is not None:
        wait = (p.retry_delay_s, None)
    if wait is None and rate_family:
        wait = _text_wait(p, now) or (None if spent else _reset_headers(h, now))
    if wait is not None and wait[0] > _MAX_WAIT_S:
        # A wait beyond a year is a bogus header; clamped, it still locks or parks for good measure
        # without overflowing datetime arithmetic.
        wait = (_MAX_WAIT_S, None)
    return wait


def _retry_after(h: Mapping[str, str], now: datetime) -> _Wait | None:
    ms = _float(h.get("retry-after-ms"))
    if ms is not None and ms >= 0:
        return ms / 1000.0, None
    value = h.get("retry-after", "").strip()
    if not value:
        return None
    seconds = _float(value)
    if seconds is not None:
        return (max(0.0, seconds), None) if seconds >= 0 else None
    try:
        when = _utc(parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, (when - now).total_seconds()), when


def _codex_reset(p: _Body, now: datetime) -> _Wait | None:
    if p.resets_at is not None and p.resets_at > 0:
        try:
            when = datetime.fromtimestamp(p.resets_at, UTC)
        except (OverflowError, OSError, ValueError):
            when = None
        if when is not None and when > now:
            return (when - now).total_seconds(), when
    if p.resets_in_s is not None and p.resets_in_s >= 0:
        return p.resets_in_s, None
    return None


def _text_wait(p: _Body, now: datetime) -> _Wait | None:
    regain = _REGAIN.search(p.message)
    if regain is not None:
        try:
            day = date.fromisoformat(regain.group(1))
            hour, minute = int(regain.group(2) or 0), int(regain.group(3) or 0)
            when = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
        except ValueError:
            when = None
        if when is not None and when > now:
            return (when - now).total_seconds(), when
    match = _TEXT_WAIT.search(p.message)
    if match is not None:
        seconds = _parse_duration(match.group(1).replace(" ", ""))
        if seconds is not None:
            return seconds, None
    return None


def _reset_headers(h: Mapping[str, str], now: datetime) -> _Wait | None:
    """OpenAI-style `x-ratelimit-reset-<dim>` durations and Anthropic `anthropic-ratelimit-<dim>-reset`
    times. The dimensions that are used up (remaining 0) decide; if none says so, the longest wait."""
    exhausted: list[_Wait] = []
    others: list[_Wait] = []
    for dim in _DIMENSIONS:
        for reset_name, remaining_name in (
            (f"x-ratelimit-reset-{dim}", f"x-ratelimit-remaining-{dim}"),
            (f"anthropic-ratelimit-{dim}-reset", f"anthropic-ratelimit-{dim}-remaining"),
        ):
            wait = _reset_value(h.get(reset_name), now)
            if wait is None:
                continue
            remaining = _float(h.get(remaining_name))
            (exhausted if remaining is not None and remaining <= 0 else others).append(wait)
    chosen = exhausted or others
    if chosen:
        return max(chosen, key=lambda w: w[0])
    return _reset_value(h.get("x-ratelimit-reset"), now)


def _reset_value(value: str | None, now: datetime) -> _Wait | None:
    """A reset header: a Go duration ("6m0s"), plain seconds, epoch seconds or milliseconds, or an
    RFC 3339 time. A time already past says nothing useful and is ignored."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    number = _float(value)
    if number is not None:
        if number > 1e9:  # epoch seconds, or milliseconds (OpenRouter) when that large
            try:
                when = datetime.fromtimestamp(number / 1000.0 if number > 1e12 else number, UTC)
            except (OverflowError, OSError, ValueError):
                return None
            return _until(when, now)
        return (number, None) if number >= 0 else None
    seconds = _parse_duration(value)
    if seconds is not None:
        return seconds, None
    try:
        return _until(_utc(datetime.fromisoformat(value)), now)
    except ValueError:
        return None


def _until(when: datetime, now: datetime) -> _Wait | None:
    return ((when - now).total_seconds(), when) if when > now else None


def _parse_duration(text: str) -> float | None:
    """Go/protobuf durations: "30s", "6m0s", "20ms", "1h2m3.5s", "14m24.48s"; plain numbers are seconds."""
    text = text.strip()
    number = _float(text)
    if number is not None:
        return number if number >= 0 else None
    total = 0.0
    position = 0
    for part in _GO_PART.finditer(text):
        if part.start() != position:
            return None
        total += float(part.group(1)) * _UNIT_S[part.group(2)]
        position = part.end()
    return total if position and position == len(text) else None


def _float(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if number == number and number not in (float("inf"), float("-inf")) else None


def _daily_reset(p: _Body, h: Mapping[str, str], now: datetime) -> datetime:
    """Google resets per-day quotas at midnight US Pacific and its RetryInfo then names a short delay
    that would only earn another refusal; elsewhere the provider's stated reset wins, else the next
    00:00 UTC (the reference system's rule)."""
    if any("perday" in q or "daily" in q for q in p.quota_ids):
        return next_pacific_midnight(now)
    wait = _provider_wait(h, p, now, rate_family=True)
    if wait is not None and wait[0] > 0:
        seconds, absolute = wait
        return absolute if absolute is not None else now + timedelta(seconds=seconds)
    return next_utc_midnight(now)


def next_utc_midnight(now: datetime) -> datetime:
    now = _utc(now)
    tomorrow = now.date() + timedelta(days=1)
    return datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=UTC)


def next_pacific_midnight(now: datetime) -> datetime:
    """The next 00:00 in US Pacific time, in UTC. DST by the US rule (since 2007): from the second
    Sunday of March to the first Sunday of November, both switches at 02:00 local. Done by hand
    because zoneinfo needs tzdata, which a Windows install may not have."""
    now = _utc(now)
    day = (now - timedelta(hours=8)).date()
    for offset in range(3):
        d = day + timedelta(days=offset)
        midnight = datetime(d.year, d.month, d.day, tzinfo=UTC) + timedelta(hours=7 if _pacific_dst(d) else 8)
        if midnight > now:
            return midnight
    raise AssertionError("unreachable: one of three consecutive midnights is in the future")


def _pacific_dst(d: date) -> bool:
    """Whether midnight of local date `d` is daylight time (the switch days start in the old offset)."""
    return _nth_sunday(d.year, 3, 2) < d <= _nth_sunday(d.year, 11, 1)


def _nth_sunday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (n - 1))


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
