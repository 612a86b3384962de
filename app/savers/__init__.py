"""Token savers: RTK tool-output compression, Caveman and Ponytail prompt additions, Headroom.

The gateway calls `apply_savers` (apply.py) on the client's parsed body and, when Headroom is on,
`apply_headroom` (headroom.py). Pure: no network, clock or randomness here; Headroom gets its HTTP
call injected. docs/SAVERS.md says how to call them and why they keep prompt caches warm.
"""

from app.savers.apply import SaverResult, apply_savers
from app.savers.headroom import HeadroomMemory, HeadroomSettings, apply_headroom
from app.savers.options import HEADER, Level, Saver, SaverOptions, header_turns_off

__all__ = [
    "HEADER",
    "HeadroomMemory",
    "HeadroomSettings",
    "Level",
    "Saver",
    "SaverOptions",
    "SaverResult",
    "apply_headroom",
    "apply_savers",
    "header_turns_off",
]
