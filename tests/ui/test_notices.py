"""The notification gate: grouping and rate limit, with a fake clock (plain numbers)."""

from __future__ import annotations

from datetime import UTC, datetime

from app.core.events import (
    AccountDisabled,
    BreakerClosed,
    BreakerOpened,
    ComboExhausted,
    GatewayStateChanged,
    QuotaParked,
    QuotaReactivated,
)
from app.ui.notices import Notice, NoticeGate, NoticeKind, notice_for, summarize

UNTIL = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def parked(label: str) -> Notice:
    notice = notice_for(QuotaParked("openai", 1, label, UNTIL, "quota"))
    assert notice is not None
    return notice


def opened(provider: str) -> Notice:
    notice = notice_for(BreakerOpened(f"{provider}:direct", 5, 30.0))
    assert notice is not None
    return notice


def test_each_event_kind_has_a_plain_notice():
    n = parked("work")
    assert n.kind is NoticeKind.QUOTA_PARKED
    assert n.title == "Quota used up: openai/work"
    # The reactivation date is in the text (local time, so only check the day and time shape).
    assert "parked until" in n.body and "Nov" in n.body
    assert notice_for(QuotaReactivated("openai", 1, "work")) == Notice(
        NoticeKind.QUOTA_REACTIVATED,
        "Back in service: openai/work",
        "openai/work is routed again.",
        "openai/work",
        False,
    )
    o = opened("groq")
    assert (o.title, o.body) == (
        "groq is failing",
        "groq failed 5 times; requests go elsewhere. Next try in 30 s.",
    )
    assert notice_for(BreakerOpened("groq:0123456789ab", 2, 0.2)).subject == "groq (via proxy)"  # type: ignore[union-attr]
    closed = notice_for(BreakerClosed("groq:direct"))
    assert closed is not None and closed.title == "groq recovered" and not closed.warning
    disabled = notice_for(AccountDisabled("anthropic", 2, "main", "the provider refused the key"))
    assert disabled is not None and disabled.kind is NoticeKind.ACCOUNT_DISABLED
    assert "refused the key" in disabled.body
    combo = notice_for(ComboExhausted("coding", 3, 12.0))
    assert combo is not None and combo.kind is NoticeKind.COMBO_EXHAUSTED
    assert combo.body == "Every member of 'coding' failed or was busy (3 attempts). Try again in 12 s."
    assert notice_for(GatewayStateChanged("serving", "http://x")) is None


def test_a_single_notice_is_shown_after_the_gathering_window():
    gate = NoticeGate(group_s=2.0, min_gap_s=30.0)
    assert gate.offer(parked("a"), now=100.0) == 102.0
    assert gate.flush(101.9) is None
    message = gate.flush(102.0)
    assert message is not None and message.count == 1
    assert message.title == "Quota used up: openai/a"
    assert gate.flush(103.0) is None
    assert gate.next_due() is None


def test_a_storm_gives_one_message():
    gate = NoticeGate(group_s=2.0, min_gap_s=30.0)
    for i in range(10):
        gate.offer(opened(f"p{i}"), now=100.0 + i * 0.1)
    for i in range(5):
        gate.offer(parked(f"acct{i}"), now=101.0)
    shown = [m for t in range(100, 200) if (m := gate.flush(float(t))) is not None]
    assert len(shown) == 1
    message = shown[0]
    assert message.count == 15
    assert message.title == "Providers need attention"
    assert message.body.splitlines() == [
        "5 quotas used up: openai/acct0, openai/acct1, openai/acct2 and 2 more",
        "10 providers failing: p0, p1, p2 and 7 more",
    ]


def test_what_arrives_during_the_gap_waits_for_its_end_and_comes_as_one():
    gate = NoticeGate(group_s=2.0, min_gap_s=30.0)
    gate.offer(opened("a"), now=0.0)
    assert gate.flush(2.0) is not None
    assert gate.offer(opened("b"), now=5.0) == 32.0
    gate.offer(opened("c"), now=20.0)
    assert gate.flush(31.0) is None
    late = gate.flush(32.0)
    assert late is not None and late.count == 2 and late.body == "2 providers failing: b, c"


def test_after_a_quiet_gap_the_next_notice_only_waits_for_its_window():
    gate = NoticeGate(group_s=2.0, min_gap_s=30.0)
    gate.offer(opened("a"), now=0.0)
    gate.flush(2.0)
    assert gate.offer(opened("b"), now=100.0) == 102.0


def test_switched_off_kinds_are_dropped():
    gate = NoticeGate(disabled={NoticeKind.BREAKER_OPENED})
    assert gate.offer(opened("a"), now=0.0) is None
    assert gate.flush(100.0) is None
    gate.offer(parked("x"), now=0.0)
    gate.offer(opened("b"), now=0.0)
    message = gate.flush(10.0)
    assert message is not None and message.count == 1


def test_switching_a_kind_off_drops_what_is_pending():
    gate = NoticeGate()
    gate.offer(opened("a"), now=0.0)
    gate.set_disabled([NoticeKind.BREAKER_OPENED])
    assert gate.next_due() is None
    assert gate.flush(100.0) is None


def test_recoveries_alone_are_not_warnings():
    closed = [notice_for(BreakerClosed(f"p{i}:direct")) for i in range(2)]
    message = summarize([n for n in closed if n is not None])
    assert message.title == "Providers recovered" and not message.warning
    assert message.body == "2 providers recovered: p0, p1"
