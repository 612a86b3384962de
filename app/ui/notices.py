"""Which events become tray notifications, and how a storm of them becomes one message.

Pure (no Qt, clock passed in) so the grouping and rate limit are unit-tested with a fake clock; the
Qt side (app/ui/notifier.py) only turns events into notices, arms a timer for ``next_due`` and shows
what ``flush`` returns.

Rules: the first notice opens a short gathering window (``group_s``); everything that arrives in it
goes into one message. After a message, nothing is shown for ``min_gap_s``; what arrives meanwhile
is kept and shown as one summary when the gap ends. So an outage that opens ten breakers and parks
five accounts gives one message, not fifteen.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from app.core.events import (
    AccountDisabled,
    BreakerClosed,
    BreakerOpened,
    ComboExhausted,
    Event,
    QuotaParked,
    QuotaReactivated,
)


class NoticeKind(StrEnum):
    QUOTA_PARKED = "quota_parked"
    QUOTA_REACTIVATED = "quota_reactivated"
    BREAKER_OPENED = "breaker_opened"
    BREAKER_CLOSED = "breaker_closed"
    ACCOUNT_DISABLED = "account_disabled"
    COMBO_EXHAUSTED = "combo_exhausted"


# What the Settings page calls each kind, in the order it lists them.
KIND_LABELS: dict[NoticeKind, str] = {
    NoticeKind.QUOTA_PARKED: "An account's quota is used up (parked)",
    NoticeKind.QUOTA_REACTIVATED: "A parked account is back",
    NoticeKind.BREAKER_OPENED: "A provider stops answering (breaker opens)",
    NoticeKind.BREAKER_CLOSED: "A provider recovers (breaker closes)",
    NoticeKind.ACCOUNT_DISABLED: "An account's key is rejected (account disabled)",
    NoticeKind.COMBO_EXHAUSTED: "No member of a combo could answer",
}


@dataclass(frozen=True, slots=True)
class Notice:
    kind: NoticeKind
    title: str
    body: str
    # Who it is about ("openai/work", "groq"): named in a summary.
    subject: str
    # The notice warns (red/amber) rather than informs.
    warning: bool = True


@dataclass(frozen=True, slots=True)
class Message:
    title: str
    body: str
    warning: bool
    count: int


def format_when(moment: datetime) -> str:
    """A reactivation time in the user's local time, e.g. "Thu 27 Nov 09:00"."""
    local = moment.astimezone()
    return local.strftime("%a %d %b %H:%M")


def notice_for(event: Event) -> Notice | None:
    match event:
        case QuotaParked():
            who = f"{event.provider_id}/{event.account_label}"
            return Notice(
                NoticeKind.QUOTA_PARKED,
                f"Quota used up: {who}",
                f"{who} is parked until {format_when(event.until)}; other accounts take over.",
                who,
            )
        case QuotaReactivated():
            who = f"{event.provider_id}/{event.account_label}"
            return Notice(
                NoticeKind.QUOTA_REACTIVATED, f"Back in service: {who}", f"{who} is routed again.", who, False
            )
        case BreakerOpened():
            who = _breaker_name(event.key)
            return Notice(
                NoticeKind.BREAKER_OPENED,
                f"{who} is failing",
                f"{who} failed {event.failures} times; requests go elsewhere. "
                f"Next try in {max(1, round(event.retry_in_s))} s.",
                who,
            )
        case BreakerClosed():
            who = _breaker_name(event.key)
            return Notice(NoticeKind.BREAKER_CLOSED, f"{who} recovered", f"{who} answers again.", who, False)
        case AccountDisabled():
            who = f"{event.provider_id}/{event.account_label}"
            return Notice(
                NoticeKind.ACCOUNT_DISABLED,
                f"Key rejected: {who}",
                f"{who} was switched off: {event.reason}. Fix the key, then reactivate it.",
                who,
            )
        case ComboExhausted():
            retry = f" Try again in {max(1, round(event.retry_after_s))} s." if event.retry_after_s else ""
            return Notice(
                NoticeKind.COMBO_EXHAUSTED,
                f"Combo '{event.combo}' could not answer",
                f"Every member of '{event.combo}' failed or was busy ({event.attempts} attempts).{retry}",
                event.combo,
            )
    return None


def _breaker_name(key: str) -> str:
    # "provider:proxyhash" — the proxy part is a hash, meaningless to a person; "provider:" is direct.
    provider, _, proxy = key.partition(":")
    return f"{provider} (via proxy)" if proxy and proxy != "direct" else provider


_SUMMARY_WORDS: dict[NoticeKind, tuple[str, str]] = {
    NoticeKind.QUOTA_PARKED: ("quota used up", "quotas used up"),
    NoticeKind.QUOTA_REACTIVATED: ("account back", "accounts back"),
    NoticeKind.BREAKER_OPENED: ("provider failing", "providers failing"),
    NoticeKind.BREAKER_CLOSED: ("provider recovered", "providers recovered"),
    NoticeKind.ACCOUNT_DISABLED: ("key rejected", "keys rejected"),
    NoticeKind.COMBO_EXHAUSTED: ("combo exhausted", "combos exhausted"),
}


def summarize(notices: Sequence[Notice], *, names: int = 3) -> Message:
    """One message for one or many notices."""
    if len(notices) == 1:
        only = notices[0]
        return Message(only.title, only.body, only.warning, 1)
    lines = []
    for kind in NoticeKind:
        of_kind = [n for n in notices if n.kind is kind]
        if not of_kind:
            continue
        subjects = list(dict.fromkeys(n.subject for n in of_kind))
        shown = ", ".join(subjects[:names]) + (
            f" and {len(subjects) - names} more" if len(subjects) > names else ""
        )
        one, many = _SUMMARY_WORDS[kind]
        lines.append(f"{len(of_kind)} {one if len(of_kind) == 1 else many}: {shown}")
    warning = any(n.warning for n in notices)
    title = "Providers need attention" if warning else "Providers recovered"
    return Message(title, "\n".join(lines), warning, len(notices))


@dataclass
class NoticeGate:
    """Collects notices and says when to show what. Times are seconds on any monotonic clock."""

    group_s: float = 2.0
    min_gap_s: float = 30.0
    disabled: set[NoticeKind] = field(default_factory=set)
    _pending: list[Notice] = field(default_factory=list)
    _window_end: float | None = None
    _last_shown: float | None = None

    def set_disabled(self, kinds: Iterable[NoticeKind]) -> None:
        self.disabled = set(kinds)
        self._pending = [n for n in self._pending if n.kind not in self.disabled]
        if not self._pending:
            self._window_end = None

    def offer(self, notice: Notice, now: float) -> float | None:
        """Queue a notice; returns when ``flush`` should next be called (None: dropped, nothing due)."""
        if notice.kind in self.disabled:
            return self.next_due()
        if not self._pending:
            self._window_end = now + self.group_s
        self._pending.append(notice)
        return self.next_due()

    def next_due(self) -> float | None:
        if not self._pending or self._window_end is None:
            return None
        if self._last_shown is None:
            return self._window_end
        return max(self._window_end, self._last_shown + self.min_gap_s)

    def flush(self, now: float) -> Message | None:
        """The message to show now, if one is due."""
        due = self.next_due()
        if due is None or now < due:
            return None
        message = summarize(self._pending)
        self._pending = []
        self._window_end = None
        self._last_shown = now
        return message
