"""Token savers: RTK tool-output compression, Caveman and Ponytail prompt additions, Headroom.

The gateway calls `apply_savers` (apply.py) on the client's parsed body and, when Headroom is on,
`apply_headroom` (headroom.py). Pure: no network, clock or randomness here; Headroom gets its HTTP
call injected.
"""

from app.savers.apply import SaverResult, apply_savers
from app.savers.options import Level, Saver, SaverOptions

__all__ = ["Level", "Saver", "SaverOptions", "SaverResult", "apply_savers"]
