"""What a user types for a key's access lists, limits and budget, turned into KeyLimits.

Access lists read `all`, `none` or a comma-separated list (`openai,anthropic`); limits a whole
number or `none`; the budget USD per month or `none`. Changes name only what they change.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from app.core.errors import ConfigError
from app.core.records import AccessList, KeyLimits, RequestKind
from app.savers import SaverOptions

_KINDS = frozenset(k.value for k in RequestKind)


def access_list(text: str, what: str, *, valid: frozenset[str] | None = None) -> AccessList:
    value = text.strip()
    if value.lower() == "all":
        return AccessList.everything()
    if value.lower() == "none":
        return AccessList.nothing()
    names = frozenset(part.strip() for part in value.split(",") if part.strip())
    if not names:
        raise ConfigError(f"{what}: give 'all', 'none' or a comma-separated list of names")
    if valid is not None:
        unknown = sorted(names - valid)
        if unknown:
            raise ConfigError(
                f"{what}: unknown {', '.join(unknown)} (choose from {', '.join(sorted(valid))})"
            )
    return AccessList(names)


def limit(text: str, what: str) -> int | None:
    value = text.strip().lower()
    if value == "none":
        return None
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{what} must be a whole number or 'none', not {text!r}") from None
    if number < 1:
        raise ConfigError(f"{what} must be at least 1 (or 'none' for no limit)")
    return number


def budget(text: str) -> float | None:
    value = text.strip().lower().removeprefix("$")
    if value == "none":
        return None
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"the monthly budget must be an amount in USD or 'none', not {text!r}") from None
    if not math.isfinite(number) or number < 0:
        raise ConfigError("the monthly budget must be zero or more USD")
    return number


@dataclass(frozen=True, slots=True)
class LimitChanges:
    """The raw text of each option given; None leaves that part of the key's limits as it is."""

    providers: str | None = None
    combos: str | None = None
    kinds: str | None = None
    requests_per_minute: str | None = None
    max_concurrent: str | None = None
    monthly_budget_usd: str | None = None
    # "default" (follow the global setting), "off", or a list such as "rtk,caveman".
    token_savers: str | None = None

    @property
    def empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in dataclasses.fields(self))

    def apply(self, limits: KeyLimits) -> KeyLimits:
        changed = limits
        if self.providers is not None:
            changed = dataclasses.replace(changed, providers=access_list(self.providers, "--providers"))
        if self.combos is not None:
            changed = dataclasses.replace(changed, combos=access_list(self.combos, "--combos"))
        if self.kinds is not None:
            changed = dataclasses.replace(changed, kinds=access_list(self.kinds, "--kinds", valid=_KINDS))
        if self.requests_per_minute is not None:
            changed = dataclasses.replace(
                changed, requests_per_minute=limit(self.requests_per_minute, "--rpm")
            )
        if self.max_concurrent is not None:
            changed = dataclasses.replace(changed, max_concurrent=limit(self.max_concurrent, "--concurrency"))
        if self.monthly_budget_usd is not None:
            changed = dataclasses.replace(changed, monthly_budget_usd=budget(self.monthly_budget_usd))
        if self.token_savers is not None:
            changed = dataclasses.replace(changed, token_savers=savers_choice(self.token_savers))
        return changed


def savers_choice(raw: str) -> str | None:
    """A key's token savers: "default" → None (the global setting), "off", or a checked list."""
    text = raw.strip().lower()
    if text in ("", "default", "global"):
        return None
    try:
        SaverOptions.parse(text)
    except ValueError as exc:
        raise ConfigError(f"--savers: {exc} (or default, off)") from None
    return (
        "off"
        if text in ("off", "none")
        else ",".join(sorted({n.strip() for n in text.split(",") if n.strip()}))
    )
