"""What the gateway tells the savers to do for one request.

The gateway builds one SaverOptions per request from the global setting, the API key's setting and
the `x-vansroute-token-saver: off` header; the savers never read settings themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
