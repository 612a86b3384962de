"""What the gateway tells the savers to do for one request.

The gateway builds one SaverOptions per request from the global setting, the API key's setting and
the `x-vansroute-token-saver: off` header; the savers never read settings themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# The request header that turns every saver off for one request.
HEADER = "x-vansroute-token-saver"
_OFF_VALUES = frozenset({"off", "0", "false", "no", "none"})


class Saver(StrEnum):
    RTK = "rtk"  # compress tool output (app/savers/rtk)
    CAVEMAN = "caveman"  # terse answers, a system-prompt addition
    PONYTAIL = "ponytail"  # concise, simplest code, a system-prompt addition
    HEADROOM = "headroom"  # the optional external compressor (app/savers/headroom.py, async)


class Level(StrEnum):
    LITE = "lite"
    FULL = "full"
    ULTRA = "ultra"


@dataclass(frozen=True, slots=True)
class SaverOptions:
    enabled: bool = True
    savers: frozenset[Saver] = frozenset({Saver.RTK})
    level: Level = Level.FULL  # for Caveman and Ponytail

    @classmethod
    def off(cls) -> SaverOptions:
        return cls(enabled=False, savers=frozenset())

    def uses(self, saver: Saver) -> bool:
        return self.enabled and saver in self.savers

    @classmethod
    def parse(cls, savers: str, level: str = "full") -> SaverOptions:
        """Options from a setting's text: `savers` a comma-separated list (`"rtk,caveman"`, `""` or
        `"off"` for none), `level` one of lite/full/ultra. Raises ValueError naming what is wrong."""
        names = [name.strip().lower() for name in savers.split(",") if name.strip()]
        if names in ([], ["off"], ["none"]):
            return cls.off()
        known = {saver.value for saver in Saver}
        unknown = [name for name in names if name not in known]
        if unknown:
            raise ValueError(
                f"unknown token saver {', '.join(unknown)!r}; choose from {', '.join(sorted(known))}"
            )
        if level.strip().lower() not in {item.value for item in Level}:
            raise ValueError(f"unknown token saver level {level!r}; choose from lite, full, ultra")
        return cls(savers=frozenset(Saver(name) for name in names), level=Level(level.strip().lower()))


def header_turns_off(value: str | None) -> bool:
    """Whether the `x-vansroute-token-saver` header's value asks for no savers on this request."""
    return value is not None and value.strip().lower() in _OFF_VALUES
