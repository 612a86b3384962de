"""Per-key access lists, rate and concurrency limits and budgets, with a fake clock."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from app.core.clock import FakeClock
from app.core.events import RequestFinished
from app.core.records import (
    AccessList,
    ApiKeyRecord,
    KeyLimits,
    RequestKind,
    UsageRecord,
    WireFormat,
)
from app.gateway.access import (
    AccessControl,
    AccessDenied,
    BudgetExceeded,
    KeyConcurrencyLimited,
    KeyRateLimited,
    check_target,
    kind_of,
    month_start,
    permitted,
)
from app.routing.snapshot import Candidate, Target

# 2026-01-31 23:59:00 UTC at monotonic 0: one minute before the month turns.
WALL = datetime(2026, 1, 31, 23, 59, tzinfo=UTC)


def key(**limits: object) -> ApiKeyRecord:
    return ApiKeyRecord(id=1, name="laptop", key_hash="h", prefix="vr-", limits=KeyLimits(**limits))  # type: ignore[arg-type]


def only(*names: str) -> AccessList:
    return AccessList(frozenset(names))


def candidate(provider: str, model: str = "m") -> Candidate:
    target = Target(
        provider_id=provider,
        wire_format=WireFormat.OPENAI,
        base_url="http://x",
        account_id=1,
        account_label="a",
        priority=0,
        api_key="k",
    )
    return Candidate(target=target, upstream_model=model)


def finished(name: str, cost: float | None) -> RequestFinished:
    return RequestFinished(
        UsageRecord(
            request_id="r",
            started_at=WALL,
            api_key_name=name,
            client_format=WireFormat.OPENAI,
            provider_id="p",
            account_id=1,
            model="m",
            status=200,
            latency_ms=1.0,
            stream=False,
            cost_usd=cost,
        )
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=0.0, wall=WALL)


@pytest.mark.parametrize(
    ("method", "path", "kind"),
    [
        ("POST", "/v1/chat/completions", RequestKind.CHAT),
        ("POST", "/v1/responses", RequestKind.RESPONSES),
        ("POST", "/v1/messages", RequestKind.MESSAGES),
        ("POST", "/v1/messages/count_tokens", RequestKind.COUNT_TOKENS),
        ("POST", "/v1beta/models/gemini-2.5-flash:generateContent", RequestKind.GEMINI),
        ("POST", "/v1beta/models/gem/gemini-2.5-flash:streamGenerateContent", RequestKind.GEMINI),
        ("POST", "/v1beta/models/gemini-2.5-flash:countTokens", RequestKind.COUNT_TOKENS),
        ("GET", "/v1/models", RequestKind.MODELS),
        ("GET", "/v1beta/models", RequestKind.MODELS),
        ("GET", "/", None),
        ("GET", "/health", None),
        ("GET", "/vansroute/status", None),
        ("POST", "/v1beta/models/x:embedContent", None),
    ],
)
def test_kind_of(method: str, path: str, kind: RequestKind | None) -> None:
    assert kind_of(method, path) is kind


def test_default_key_may_do_everything(clock: FakeClock) -> None:
    control = AccessControl(clock)
    for kind in RequestKind:
        ticket = control.admit(key(), kind)
        if ticket is not None:
            ticket.release()
    assert permitted(key(), (candidate("a"), candidate("b"))) == (candidate("a"), candidate("b"))


def test_kind_list_refuses_with_the_rule_named(clock: FakeClock) -> None:
    control = AccessControl(clock)
    limited = key(kinds=only("messages", "count_tokens", "models"))
    assert control.admit(limited, RequestKind.MODELS) is None
    with pytest.raises(AccessDenied) as refused:
        control.admit(limited, RequestKind.CHAT)
    assert refused.value.status == 403
    assert "may not make 'chat' requests" in refused.value.message
    assert "count_tokens,messages,models" in refused.value.message


def test_kinds_none_refuses_even_model_lists(clock: FakeClock) -> None:
    with pytest.raises(AccessDenied):
        AccessControl(clock).admit(key(kinds=AccessList.nothing()), RequestKind.MODELS)


def test_provider_list_filters_candidates_and_refuses_when_none_is_left() -> None:
    limited = key(providers=only("b"))
    assert permitted(limited, (candidate("a"), candidate("b"), candidate("c"))) == (candidate("b"),)
    with pytest.raises(AccessDenied) as refused:
        permitted(limited, (candidate("a"), candidate("c")))
    assert "may not use provider 'a, c'" in refused.value.message
    assert "(its providers: b)" in refused.value.message


def test_combo_list(clock: FakeClock) -> None:
    limited = key(combos=only("cheap"))
    assert permitted(limited, (candidate("a"),), combo_name="cheap") == (candidate("a"),)
    with pytest.raises(AccessDenied) as refused:
        permitted(limited, (candidate("a"),), combo_name="best")
    assert "may not use combo 'best'" in refused.value.message
    # A direct provider/model request is not a combo: the combo list does not apply.
    assert permitted(limited, (candidate("a"),)) == (candidate("a"),)


def test_check_target() -> None:
    check_target(key(), "any", "any")
    with pytest.raises(AccessDenied):
        check_target(key(providers=AccessList.nothing()), "openai")
    with pytest.raises(AccessDenied):
        check_target(key(combos=AccessList.nothing()), "openai", "fast")


def test_requests_per_minute_is_a_sliding_window(clock: FakeClock) -> None:
    control = AccessControl(clock)
    limited = key(requests_per_minute=3)
    for second in (0, 10, 20):
        clock.advance(second - clock.monotonic())
        ticket = control.admit(limited, RequestKind.CHAT)
        assert ticket is not None
        ticket.release()
    clock.advance(30 - clock.monotonic())
    with pytest.raises(KeyRateLimited) as refused:
        control.admit(limited, RequestKind.CHAT)
    assert refused.value.status == 429
    assert refused.value.retry_after == 30  # the first start leaves the window at t = 60
    assert "limited to 3 requests per minute" in refused.value.message
    clock.advance(30)  # t = 60: the request at t = 0 is out of the window
    assert control.admit(limited, RequestKind.CHAT) is not None
    with pytest.raises(KeyRateLimited):
        control.admit(limited, RequestKind.CHAT)


def test_refused_requests_do_not_use_up_the_rate(clock: FakeClock) -> None:
    control = AccessControl(clock)
    limited = key(requests_per_minute=1, max_concurrent=1)
    held = control.admit(limited, RequestKind.CHAT)
    assert held is not None
    clock.advance(61)
    with pytest.raises(KeyConcurrencyLimited):
        control.admit(limited, RequestKind.CHAT)
    held.release()
    assert control.admit(limited, RequestKind.CHAT) is not None


def test_model_lists_and_token_counts_are_not_limited(clock: FakeClock) -> None:
    control = AccessControl(clock)
    limited = key(requests_per_minute=1, max_concurrent=1, monthly_budget_usd=0.0)
    for _ in range(5):
        assert control.admit(limited, RequestKind.MODELS) is None
        assert control.admit(limited, RequestKind.COUNT_TOKENS) is None


def test_concurrency_limit_and_release(clock: FakeClock) -> None:
    control = AccessControl(clock)
    limited = key(max_concurrent=2)
    first = control.admit(limited, RequestKind.MESSAGES)
    second = control.admit(limited, RequestKind.MESSAGES)
    assert first is not None and second is not None
    with pytest.raises(KeyConcurrencyLimited) as refused:
        control.admit(limited, RequestKind.MESSAGES)
    assert refused.value.status == 429
    assert refused.value.retry_after == 1.0
    assert "limited to 2 concurrent requests" in refused.value.message
    first.release()
    first.release()  # idempotent: a double release must not free a slot it does not hold
    assert control.in_flight("laptop") == 1
    third = control.admit(limited, RequestKind.MESSAGES)
    assert third is not None
    second.release()
    third.release()
    assert control.in_flight("laptop") == 0


def test_budget_is_spent_by_finished_requests(clock: FakeClock) -> None:
    control = AccessControl(clock)
    limited = key(monthly_budget_usd=1.0)
    control.seed_spend({"laptop": 0.4, "other": 9.0}, WALL)
    control.on_finished(finished("laptop", 0.5))
    control.on_finished(finished("laptop", None))  # a model without a price costs nothing
    control.on_finished(finished("other", 5.0))
    assert control.spent("laptop") == pytest.approx(0.9)
    ticket = control.admit(limited, RequestKind.CHAT)
    assert ticket is not None
    ticket.release()
    control.on_finished(finished("laptop", 0.1))
    with pytest.raises(BudgetExceeded) as refused:
        control.admit(limited, RequestKind.CHAT)
    assert refused.value.status == 402
    assert refused.value.kind == "billing_error"
    assert "spent its monthly budget: $1.00 of $1.00" in refused.value.message
    assert "resets on 2026-02-01" in refused.value.message
    assert refused.value.retry_after == 60


def test_budget_refusal_is_429_for_gemini_clients(clock: FakeClock) -> None:
    control = AccessControl(clock)
    with pytest.raises(BudgetExceeded) as refused:
        control.admit(key(monthly_budget_usd=0.0), RequestKind.GEMINI)
    assert refused.value.status == 429
    assert refused.value.kind == "rate_limit_error"


def test_spend_starts_again_with_the_month(clock: FakeClock) -> None:
    control = AccessControl(clock)
    limited = key(monthly_budget_usd=1.0)
    control.seed_spend({"laptop": 2.0}, WALL)
    with pytest.raises(BudgetExceeded):
        control.admit(limited, RequestKind.CHAT)
    clock.advance(60)  # 2026-02-01 00:00
    assert control.spent("laptop") == 0.0
    assert control.admit(limited, RequestKind.CHAT) is not None


def test_limits_follow_the_key_record(clock: FakeClock) -> None:
    """A changed key (a new snapshot) applies at once: limits are read from the record each time."""
    control = AccessControl(clock)
    limited = key(max_concurrent=1)
    assert control.admit(limited, RequestKind.CHAT) is not None
    with pytest.raises(KeyConcurrencyLimited):
        control.admit(limited, RequestKind.CHAT)
    raised = dataclasses.replace(limited, limits=KeyLimits(max_concurrent=2))
    assert control.admit(raised, RequestKind.CHAT) is not None


def test_month_start() -> None:
    assert month_start(datetime(2026, 12, 31, 23, 0, tzinfo=UTC)) == datetime(2026, 12, 1, tzinfo=UTC)


def test_merge_spend_takes_the_higher_count(clock: FakeClock) -> None:
    control = AccessControl(clock)
    control.seed_spend({"laptop": 2.0, "ci": 1.0}, WALL)
    control.merge_spend({"laptop": 1.5, "ci": 3.0, "new": 0.5}, WALL)
    assert (control.spent("laptop"), control.spent("ci"), control.spent("new")) == (2.0, 3.0, 0.5)


def test_merge_spend_ignores_a_read_from_last_month(clock: FakeClock) -> None:
    control = AccessControl(clock)
    clock.advance(60)  # February now
    control.merge_spend({"laptop": 9.0}, WALL)  # read in January
    assert control.spent("laptop") == 0.0
