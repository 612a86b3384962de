"""Classification of upstream failures, from the bodies and headers each vendor really sends.

Bodies come from the fake upstreams (tests/fakes/), which follow the wire formats, and from vendor
documentation and public bug reports where the fakes have no builder (per-day limits, quota walls).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.resilience.classify import (
    EXHAUSTION,
    Failure,
    FailureKind,
    classify_status,
    classify_transport,
    next_pacific_midnight,
    next_utc_midnight,
)
from tests.fakes import anthropic_upstream as anthropic
from tests.fakes import gemini_upstream as gemini
from tests.fakes import openai_upstream as openai

K = FailureKind
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # a Tuesday, Pacific daylight time since Sunday


def js(value: Any) -> bytes:
    return orjson.dumps(value)


def classify(status: int, body: Any = b"", headers: Mapping[str, str] | None = None) -> Failure:
    raw = body if isinstance(body, bytes) else js(body)
    return classify_status(status, headers or {}, raw, now=NOW)


# --------------------------------------------------------------------------- vendor bodies

OPENAI_TPM = openai.openai_error(
    "Rate limit reached for gpt-4o in organization org-abc on tokens per min (TPM): Limit 30000, Used "
    "30000, Requested 812.",
    "tokens",
    param=None,
    code="rate_limit_exceeded",
)
OPENAI_TPD = openai.openai_error(
    "Rate limit reached for gpt-4o-mini in organization org-abc on tokens per day (TPD): Limit 200000, "
    "Used 199000, Requested 2000. Please try again in 7m12s. Visit "
    "https://platform.openai.com/account/rate-limits to learn more.",
    "tokens",
    code="rate_limit_exceeded",
)
OPENAI_CONTEXT = openai.openai_error(
    "This model's maximum context length is 128000 tokens. However, your messages resulted in 130412 "
    "tokens. Please reduce the length of the messages.",
    "invalid_request_error",
    param="messages",
    code="context_length_exceeded",
)
GROQ_TPD = openai.openai_error(
    "Rate limit reached for model `llama-3.3-70b-versatile` in organization `org_01abc` service tier "
    "`on_demand` on tokens per day (TPD): Limit 100000, Used 99577, Requested 1042. Please try again in "
    "14m24.48s. Need more tokens? Upgrade to Dev Tier today at https://console.groq.com/settings/billing",
    "tokens",
    code="rate_limit_exceeded",
)
ANTHROPIC_PROMPT_TOO_LONG = anthropic.anthropic_error(
    "invalid_request_error", "prompt is too long: 208310 tokens > 200000 maximum"
)
ANTHROPIC_CONTEXT_LIMIT = anthropic.anthropic_error(
    "invalid_request_error",
    "input length and `max_tokens` exceed context limit: 188240 + 21333 > 200000, decrease input "
    "length or `max_tokens` and try again",
)
ANTHROPIC_CREDIT = anthropic.anthropic_error(
    "invalid_request_error",
    "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade "
    "or purchase credits.",
)
ANTHROPIC_USAGE_LIMIT = anthropic.anthropic_error(
    "invalid_request_error",
    "You have reached your specified API usage limits. You will regain access on 2026-04-01 at 00:00 UTC.",
)
ANTHROPIC_MODEL = anthropic.anthropic_error("not_found_error", "model: claude-sonnet-9")
GEMINI_PER_DAY = gemini.gemini_error(
    429,
    "You exceeded your current quota, please check your plan and billing details. For more information "
    "on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.",
    details=[
        {
            "@type": "type.googleapis.com/google.rpc.QuotaFailure",
            "violations": [
                {
                    "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                    "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
                    "quotaDimensions": {"location": "global", "model": "gemini-2.5-pro"},
                },
                {
                    "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                    "quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier",
                    "quotaDimensions": {"location": "global", "model": "gemini-2.5-pro"},
                },
            ],
        },
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "41s"},
    ],
)
GEMINI_API_KEY_INVALID = gemini.gemini_error(
    400,
    "API key not valid. Please pass a valid API key.",
    details=[
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "API_KEY_INVALID",
            "domain": "googleapis.com",
            "metadata": {"service": "generativelanguage.googleapis.com"},
        }
    ],
)
GEMINI_TOO_MANY_TOKENS = gemini.gemini_error(
    400, "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576)."
)
GEMINI_BARE_EXHAUSTED = gemini.gemini_error(429, "Resource has been exhausted (e.g. check quota).")
CODEX_USAGE_LIMIT = {
    "error": {
        "type": "usage_limit_reached",
        "message": "The usage limit has been reached",
        "plan_type": "plus",
        "resets_in_seconds": 5400,
    }
}
OPENROUTER_CREDITS = {
    "error": {
        "message": "Insufficient credits. Add more using https://openrouter.ai/settings/credits",
        "code": 402,
    }
}
OPENROUTER_FREE_PER_DAY = {
    "error": {
        "message": "Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model "
        "requests per day",
        "code": 429,
        "metadata": {"headers": {"X-RateLimit-Limit": "50", "X-RateLimit-Remaining": "0"}},
    }
}

PACIFIC_MIDNIGHT = datetime(2026, 3, 11, 7, 0, tzinfo=UTC)  # 00:00 PDT on Wednesday


# --------------------------------------------------------------------------- the table

CASES: list[tuple[str, int, Any, Mapping[str, str], FailureKind, float | None]] = [
    # OpenAI (and OpenAI-compatible servers)
    (
        "openai rpm + Retry-After",
        429,
        openai.Behaviour.rate_limited(retry_after=20).error_body,
        {"Retry-After": "20", "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "6ms"},
        K.RATE_LIMITED,
        20.0,
    ),
    ("openai rpm text wait", 429, openai.default_error_body(429), {}, K.RATE_LIMITED, 20.0),
    (
        "openai tpm reset header",
        429,
        OPENAI_TPM,
        {"x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "6m0s"},
        K.RATE_LIMITED,
        360.0,
    ),
    (
        "openai insufficient_quota",
        429,
        openai.Behaviour.quota_exhausted().error_body,
        {},
        K.QUOTA_EXHAUSTED,
        None,
    ),
    ("openai tokens per day", 429, OPENAI_TPD, {}, K.DAILY_QUOTA, 432.0),
    ("groq tokens per day", 429, GROQ_TPD, {}, K.DAILY_QUOTA, 864.48),
    ("openai context", 400, OPENAI_CONTEXT, {}, K.CONTEXT_TOO_LONG, None),
    ("openai bad request", 400, openai.default_error_body(400), {}, K.BAD_REQUEST, None),
    ("openai invalid key", 401, openai.default_error_body(401), {}, K.CREDENTIAL_REJECTED, None),
    ("openai region", 403, openai.default_error_body(403), {}, K.CREDENTIAL_REJECTED, None),
    ("openai unknown model", 404, openai.default_error_body(404), {}, K.MODEL_NOT_FOUND, None),
    ("openai overloaded", 503, openai.default_error_body(503), {}, K.OVERLOADED, None),
    (
        "openai 503 Retry-After",
        503,
        openai.default_error_body(503),
        {"Retry-After": "10"},
        K.OVERLOADED,
        10.0,
    ),
    ("openai 500", 500, openai.default_error_body(500), {}, K.SERVER_ERROR, None),
    (
        "x-ratelimit headers ignored on a 500",
        500,
        openai.default_error_body(500),
        {"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "6m0s"},
        K.SERVER_ERROR,
        None,
    ),
    # Anthropic
    (
        "anthropic rate limit",
        429,
        anthropic.default_error_body(429),
        {"retry-after": "20", "anthropic-ratelimit-requests-reset": "2025-01-01T00:00:01Z"},
        K.RATE_LIMITED,
        20.0,
    ),
    ("anthropic overloaded 529", 529, anthropic.default_error_body(529), {}, K.OVERLOADED, None),
    ("anthropic 500", 500, anthropic.default_error_body(500), {}, K.SERVER_ERROR, None),
    ("anthropic 504", 504, anthropic.default_error_body(504), {}, K.TIMEOUT, None),
    ("anthropic billing 402", 402, anthropic.default_error_body(402), {}, K.QUOTA_EXHAUSTED, None),
    ("anthropic credit balance 400", 400, ANTHROPIC_CREDIT, {}, K.QUOTA_EXHAUSTED, None),
    ("anthropic prompt too long", 400, ANTHROPIC_PROMPT_TOO_LONG, {}, K.CONTEXT_TOO_LONG, None),
    ("anthropic context limit", 400, ANTHROPIC_CONTEXT_LIMIT, {}, K.CONTEXT_TOO_LONG, None),
    ("anthropic request too large", 413, anthropic.default_error_body(413), {}, K.CONTEXT_TOO_LONG, None),
    ("anthropic invalid key", 401, anthropic.default_error_body(401), {}, K.CREDENTIAL_REJECTED, None),
    ("anthropic permission", 403, anthropic.default_error_body(403), {}, K.CREDENTIAL_REJECTED, None),
    ("anthropic unknown model", 404, ANTHROPIC_MODEL, {}, K.MODEL_NOT_FOUND, None),
    ("anthropic bare 404", 404, anthropic.default_error_body(404), {}, K.MODEL_NOT_FOUND, None),
    ("anthropic bad request", 400, anthropic.default_error_body(400), {}, K.BAD_REQUEST, None),
    # Gemini
    (
        "gemini per minute",
        429,
        gemini.Behaviour.rate_limited(retry_after=30).error_body,
        {},
        K.RATE_LIMITED,
        30.0,
    ),
    ("gemini default 429", 429, gemini.default_error_body(429), {}, K.RATE_LIMITED, 30.0),
    ("gemini bare exhausted", 429, GEMINI_BARE_EXHAUSTED, {}, K.RATE_LIMITED, None),
    ("gemini wrapped in a list", 429, [gemini.default_error_body(429)], {}, K.RATE_LIMITED, 30.0),
    ("gemini invalid key 400", 400, GEMINI_API_KEY_INVALID, {}, K.CREDENTIAL_REJECTED, None),
    ("gemini unauthenticated", 403, gemini.default_error_body(403), {}, K.CREDENTIAL_REJECTED, None),
    ("gemini too many tokens", 400, GEMINI_TOO_MANY_TOKENS, {}, K.CONTEXT_TOO_LONG, None),
    ("gemini unknown model", 404, gemini.default_error_body(404), {}, K.MODEL_NOT_FOUND, None),
    ("gemini overloaded", 503, gemini.default_error_body(503), {}, K.OVERLOADED, None),
    ("gemini internal", 500, gemini.default_error_body(500), {}, K.SERVER_ERROR, None),
    ("gemini bad request", 400, gemini.default_error_body(400), {}, K.BAD_REQUEST, None),
    # Others
    ("codex usage limit", 429, CODEX_USAGE_LIMIT, {}, K.QUOTA_EXHAUSTED, 5400.0),
    ("openrouter credits", 402, OPENROUTER_CREDITS, {}, K.QUOTA_EXHAUSTED, None),
    (
        "plain text credits exhausted",
        429,
        b"Your credits are exhausted for this month",
        {},
        K.QUOTA_EXHAUSTED,
        None,
    ),
    ("plain text quota exceeded 403", 403, b"Monthly quota exceeded", {}, K.QUOTA_EXHAUSTED, None),
    ("plain text 429", 429, b"Too Many Requests", {}, K.RATE_LIMITED, None),
    ("cdn html 502", 502, b"<html><body>502 Bad Gateway</body></html>", {}, K.SERVER_ERROR, None),
    ("request timeout 408", 408, b"", {}, K.TIMEOUT, None),
    ("conflict 409", 409, b"", {}, K.SERVER_ERROR, None),
    ("unprocessable 422", 422, {"detail": "field required"}, {}, K.BAD_REQUEST, None),
    (
        "model in a 400",
        400,
        {"error": {"message": "foo-7b is not a valid model ID"}},
        {},
        K.MODEL_NOT_FOUND,
        None,
    ),
    ("empty 500", 500, b"", {}, K.SERVER_ERROR, None),
]


@pytest.mark.parametrize(
    ("status", "body", "headers", "kind", "retry_after"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_vendor_bodies(
    status: int, body: Any, headers: Mapping[str, str], kind: FailureKind, retry_after: float | None
) -> None:
    failure = classify(status, body, headers)
    assert failure.kind is kind
    assert failure.status == status
    if retry_after is None:
        assert failure.retry_after_s is None
    else:
        assert failure.retry_after_s == pytest.approx(retry_after)


BREAKER = {K.OVERLOADED, K.SERVER_ERROR, K.TIMEOUT}


@pytest.mark.parametrize(
    ("status", "body", "headers", "kind"), [case[1:5] for case in CASES], ids=[case[0] for case in CASES]
)
def test_breaker_counts_408_and_5xx_only(
    status: int, body: Any, headers: Mapping[str, str], kind: FailureKind
) -> None:
    failure = classify(status, body, headers)
    assert failure.counts_for_breaker is (status == 408 or status >= 500)
    assert failure.falls_back is (kind is not K.BAD_REQUEST)


# --------------------------------------------------------------------------- resets


def test_daily_quota_waits_for_the_provider_reset() -> None:
    failure = classify(429, OPENAI_TPD)
    assert failure.reset_at == NOW + timedelta(minutes=7, seconds=12)


def test_gemini_per_day_resets_at_pacific_midnight_not_at_retry_delay() -> None:
    failure = classify(429, GEMINI_PER_DAY)
    assert failure.kind is K.DAILY_QUOTA
    assert failure.reset_at == PACIFIC_MIDNIGHT
    assert failure.retry_after_s == pytest.approx(19 * 3600)


def test_daily_quota_without_reset_ends_at_utc_midnight() -> None:
    failure = classify(429, {"error": {"message": "Daily request limit reached for this key"}})
    assert failure.kind is K.DAILY_QUOTA
    assert failure.reset_at == datetime(2026, 3, 11, tzinfo=UTC)
    assert failure.retry_after_s == pytest.approx(12 * 3600)


def test_openrouter_daily_reset_from_epoch_milliseconds() -> None:
    reset = datetime(2026, 3, 11, tzinfo=UTC)
    failure = classify(
        429, OPENROUTER_FREE_PER_DAY, {"X-RateLimit-Reset": str(int(reset.timestamp() * 1000))}
    )
    assert failure.kind is K.DAILY_QUOTA
    assert failure.reset_at == reset


def test_anthropic_usage_limit_regains_access_on_the_stated_day() -> None:
    failure = classify(400, ANTHROPIC_USAGE_LIMIT)
    assert failure.kind is K.QUOTA_EXHAUSTED
    assert failure.reset_at == datetime(2026, 4, 1, tzinfo=UTC)
    assert failure.retry_after_s == pytest.approx((failure.reset_at - NOW).total_seconds())


def test_codex_resets_at_epoch() -> None:
    reset = NOW + timedelta(hours=3)
    body = {"error": {"type": "usage_limit_reached", "resets_at": int(reset.timestamp())}}
    failure = classify(429, body)
    assert failure.kind is K.QUOTA_EXHAUSTED
    assert failure.reset_at == reset


PLAIN_429 = anthropic.default_error_body(429)  # says nothing about when


@pytest.mark.parametrize(
    ("headers", "seconds", "absolute"),
    [
        ({"retry-after": "120"}, 120.0, None),
        ({"Retry-After": "1.5"}, 1.5, None),
        ({"RETRY-AFTER": "0"}, 0.0, None),
        (
            {"retry-after": format_datetime(NOW + timedelta(seconds=90), usegmt=True)},
            90.0,
            NOW + timedelta(seconds=90),
        ),
        (
            {"retry-after": format_datetime(NOW - timedelta(hours=1), usegmt=True)},
            0.0,
            NOW - timedelta(hours=1),
        ),
        ({"retry-after": "Wed, 11 Mar 2026 12:00:00 GMT"}, 86400.0, datetime(2026, 3, 11, 12, tzinfo=UTC)),
        ({"retry-after": "soon"}, None, None),
        ({"retry-after": "-5"}, None, None),
        ({"retry-after-ms": "1500", "retry-after": "10"}, 1.5, None),
        ({"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "6m0s"}, 360.0, None),
        ({"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "1h2m3.5s"}, 3723.5, None),
        ({"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "20ms"}, 0.02, None),
        ({"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "1s"}, 1.0, None),
        ({"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "2m59.56s"}, 179.56, None),
        ({"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "6m0"}, None, None),
        (
            {
                "x-ratelimit-remaining-requests": "0",
                "x-ratelimit-reset-requests": "2s",
                "x-ratelimit-remaining-tokens": "5000",
                "x-ratelimit-reset-tokens": "50s",
            },
            2.0,
            None,
        ),
        (
            {
                "x-ratelimit-remaining-requests": "0",
                "x-ratelimit-reset-requests": "2s",
                "x-ratelimit-remaining-tokens": "0",
                "x-ratelimit-reset-tokens": "50s",
            },
            50.0,
            None,
        ),
        ({"x-ratelimit-reset-requests": "2s", "x-ratelimit-reset-tokens": "7.66s"}, 7.66, None),
        (
            {
                "anthropic-ratelimit-requests-remaining": "0",
                "anthropic-ratelimit-requests-reset": "2026-03-10T12:00:45Z",
                "anthropic-ratelimit-input-tokens-remaining": "1999000",
                "anthropic-ratelimit-input-tokens-reset": "2026-03-10T12:00:05Z",
            },
            45.0,
            NOW + timedelta(seconds=45),
        ),
        (
            {
                "anthropic-ratelimit-tokens-remaining": "0",
                "anthropic-ratelimit-tokens-reset": "2026-03-10T13:00:30.250+01:00",
            },
            30.25,
            NOW + timedelta(seconds=30.25),
        ),
        ({"anthropic-ratelimit-requests-reset": "2025-01-01T00:00:01Z"}, None, None),  # already past
        ({"anthropic-ratelimit-requests-reset": "not a time"}, None, None),
        (
            {"x-ratelimit-reset": str(int((NOW + timedelta(minutes=5)).timestamp()))},
            300.0,
            NOW + timedelta(minutes=5),
        ),
        ({"x-ratelimit-reset": "12"}, 12.0, None),
    ],
)
def test_wait_headers(headers: Mapping[str, str], seconds: float | None, absolute: datetime | None) -> None:
    failure = classify(429, PLAIN_429, headers)
    assert failure.kind is K.RATE_LIMITED
    if seconds is None:
        assert failure.retry_after_s is None
    else:
        assert failure.retry_after_s == pytest.approx(seconds)
    assert failure.reset_at == absolute


@pytest.mark.parametrize(
    ("message", "seconds"),
    [
        ("Please try again in 20s.", 20.0),
        ("Please try again in 7m12s.", 432.0),
        ("Please try again in 120ms.", 0.12),
        ("Please retry in 59.541864s.", 59.541864),
        ("Please try again in 1h0m0s", 3600.0),
        ("Please try again in 5 minutes.", None),
    ],
)
def test_waits_in_the_message(message: str, seconds: float | None) -> None:
    failure = classify(
        429, openai.openai_error(f"Rate limit reached on requests per min. {message}", "requests")
    )
    assert failure.kind is K.RATE_LIMITED
    assert failure.retry_after_s == (pytest.approx(seconds) if seconds is not None else None)


def test_reset_headers_do_not_override_retry_after() -> None:
    headers = {
        "retry-after": "3",
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-requests": "6m0s",
    }
    assert classify(429, PLAIN_429, headers).retry_after_s == 3.0


def test_naive_now_is_utc() -> None:
    failure = classify_status(429, {}, js(OPENAI_TPD), now=NOW.replace(tzinfo=None))
    assert failure.reset_at == NOW + timedelta(seconds=432)


# --------------------------------------------------------------------------- daily boundaries


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 1, 15, 12, 0, tzinfo=UTC), datetime(2026, 1, 16, 8, 0, tzinfo=UTC)),  # PST
        (datetime(2026, 1, 15, 7, 59, tzinfo=UTC), datetime(2026, 1, 15, 8, 0, tzinfo=UTC)),
        (datetime(2026, 1, 15, 8, 0, tzinfo=UTC), datetime(2026, 1, 16, 8, 0, tzinfo=UTC)),
        (datetime(2026, 7, 1, 12, 0, tzinfo=UTC), datetime(2026, 7, 2, 7, 0, tzinfo=UTC)),  # PDT
        (datetime(2026, 7, 1, 6, 30, tzinfo=UTC), datetime(2026, 7, 1, 7, 0, tzinfo=UTC)),
        (datetime(2026, 7, 1, 7, 30, tzinfo=UTC), datetime(2026, 7, 2, 7, 0, tzinfo=UTC)),
        # 2026-03-08 (second Sunday of March): midnight still PST, the next one PDT.
        (datetime(2026, 3, 8, 1, 0, tzinfo=UTC), datetime(2026, 3, 8, 8, 0, tzinfo=UTC)),
        (datetime(2026, 3, 8, 9, 0, tzinfo=UTC), datetime(2026, 3, 9, 7, 0, tzinfo=UTC)),
        # 2026-11-01 (first Sunday of November): midnight still PDT, the next one PST.
        (datetime(2026, 11, 1, 1, 0, tzinfo=UTC), datetime(2026, 11, 1, 7, 0, tzinfo=UTC)),
        (datetime(2026, 11, 1, 9, 0, tzinfo=UTC), datetime(2026, 11, 2, 8, 0, tzinfo=UTC)),
        (datetime(2026, 12, 31, 23, 0, tzinfo=UTC), datetime(2027, 1, 1, 8, 0, tzinfo=UTC)),
    ],
)
def test_next_pacific_midnight(now: datetime, expected: datetime) -> None:
    assert next_pacific_midnight(now) == expected


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 3, 10, 12, 0, tzinfo=UTC), datetime(2026, 3, 11, tzinfo=UTC)),
        (datetime(2026, 3, 10, 0, 0, tzinfo=UTC), datetime(2026, 3, 11, tzinfo=UTC)),
        (datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)),
        (datetime(2028, 2, 28, 13, 0, tzinfo=UTC), datetime(2028, 2, 29, tzinfo=UTC)),
        (
            datetime(2026, 3, 10, 23, 30, tzinfo=timezone(timedelta(hours=-5))),
            datetime(2026, 3, 12, tzinfo=UTC),
        ),
    ],
)
def test_next_utc_midnight(now: datetime, expected: datetime) -> None:
    assert next_utc_midnight(now) == expected


# --------------------------------------------------------------------------- messages


def test_messages_carry_no_keys() -> None:
    leaky = openai.openai_error(
        "Incorrect API key provided: sk-proj-abcdefghijklmnopqrstuvwxyz0123. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        "invalid_request_error",
        code="invalid_api_key",
    )
    for body in (leaky, openai.default_error_body(401)):
        message = classify(401, body).message
        assert "abcdefghijklmnop" not in message
        assert "1234" not in message
        assert message.startswith("HTTP 401: Incorrect API key provided:")
        assert "***" in message


def test_messages_are_short() -> None:
    failure = classify(500, {"error": {"message": "x" * 5000}})
    assert len(failure.message) <= 220
    assert classify(502, b"<html>" + b"a" * 1000).message == "HTTP 502"
    assert classify(500, b"").message == "HTTP 500"


# --------------------------------------------------------------------------- transport


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("timeout", K.TIMEOUT),
        ("unreachable", K.UNREACHABLE),
        ("proxy", K.PROXY_FAILED),
        ("weird", K.UNREACHABLE),
    ],
)
def test_transport_failures(kind: str, expected: FailureKind) -> None:
    failure = classify_transport(kind, "proxy failed: ProxyConnectionError token=abcdef123456")
    assert failure.kind is expected
    assert failure.status is None
    assert failure.counts_for_breaker and failure.falls_back
    assert failure.retry_after_s is None and failure.reset_at is None
    assert "abcdef123456" not in failure.message


# --------------------------------------------------------------------------- the reference regex


@pytest.mark.parametrize(
    "text",
    [
        "Your credits have been exhausted",
        "quota exhausted",
        "No remaining credits on this account",
        "Insufficient API credits",
        "402 Payment Required",
        "Monthly quota exceeded",
        "rate limit reached",
    ],
)
def test_exhaustion_regex_is_the_reference_one(text: str) -> None:
    assert EXHAUSTION.search(text)


# --------------------------------------------------------------------------- robustness

STATUSES = st.integers(min_value=100, max_value=999)
HEADER_NAMES = st.sampled_from(
    [
        "retry-after",
        "retry-after-ms",
        "x-ratelimit-reset",
        "x-ratelimit-reset-requests",
        "x-ratelimit-remaining-requests",
        "anthropic-ratelimit-tokens-reset",
        "anthropic-ratelimit-tokens-remaining",
    ]
)


@given(
    status=STATUSES,
    headers=st.dictionaries(HEADER_NAMES, st.text(max_size=40), max_size=5),
    body=st.one_of(
        st.binary(max_size=300),
        st.recursive(
            st.none()
            | st.booleans()
            | st.integers(-(2**63), 2**63 - 1)
            | st.floats(allow_nan=False)
            | st.text(max_size=30),
            lambda children: (
                st.lists(children, max_size=4)
                | st.dictionaries(
                    st.sampled_from(
                        ["error", "message", "code", "type", "details", "@type", "retryDelay", "resets_at"]
                    ),
                    children,
                    max_size=4,
                )
            ),
            max_leaves=12,
        ).map(js),
    ),
)
def test_never_raises_and_keeps_invariants(status: int, headers: dict[str, str], body: bytes) -> None:
    failure = classify_status(status, headers, body, now=NOW)
    assert failure.status == status
    if 400 <= status < 500 and status != 408:
        assert not failure.counts_for_breaker
    assert failure.falls_back is (failure.kind is not K.BAD_REQUEST)
    assert failure.retry_after_s is None or failure.retry_after_s >= 0
    if failure.kind is K.DAILY_QUOTA:
        assert failure.reset_at is not None and failure.reset_at > NOW
    assert len(failure.message) <= 220


def test_a_spent_balance_ignores_the_request_window_reset_headers() -> None:
    """OpenAI answers a spent balance with 429 insufficient_quota and its usual rate headers: the
    6 ms request-window reset says nothing about when money arrives."""
    from datetime import UTC, datetime

    from app.resilience.classify import FailureKind, classify_status
    from app.resilience.quota import park_until

    now = datetime(2026, 3, 10, 18, 30, tzinfo=UTC)
    body = (
        b'{"error": {"message": "You exceeded your current quota, please check your plan and billing '
        b'details.", "type": "insufficient_quota", "param": null, "code": "insufficient_quota"}}'
    )
    headers = {
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-requests": "6ms",
        "x-ratelimit-reset-tokens": "0s",
    }
    failure = classify_status(429, headers, body, now=now)
    assert failure.kind is FailureKind.QUOTA_EXHAUSTED
    assert failure.reset_at is None and failure.retry_after_s is None
    assert (park_until("openai", failure, now) - now).total_seconds() == 3600
