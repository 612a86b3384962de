"""Run many Qt -> Python callbacks through a qasync loop; prints ``OK <n>`` and exits 0 if it survives.

    python -m tests.ui.callback_stress [N]

Guards against PySide6 6.12.0 on Python 3.11, which loses a reference to None on every callback
from Qt into Python and aborts with ``Fatal Python error: none_dealloc`` after ~16,000 of them. Run it
in a subprocess: a fatal abort must fail a test, not kill pytest.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from app.ui.qt_event_loop import run


class _Pinger(QObject):
    ping = Signal(int)


async def _call_soon_chain(n: int) -> int:
    """qasync schedules call_soon through a Qt timer: every step is a timerEvent into Python."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[int] = loop.create_future()
    count = 0

    def step() -> None:
        nonlocal count
        count += 1
        if count >= n:
            done.set_result(count)
        else:
            loop.call_soon(step)

    loop.call_soon(step)
    return await done


async def _single_shot_chain(n: int) -> int:
    loop = asyncio.get_running_loop()
    done: asyncio.Future[int] = loop.create_future()
    count = 0

    def tick() -> None:
        nonlocal count
        count += 1
        if count >= n:
            done.set_result(count)
        else:
            QTimer.singleShot(0, tick)

    QTimer.singleShot(0, tick)
    return await done


def _signal_slot(n: int) -> int:
    pinger = _Pinger()
    seen = 0

    def slot(_value: int) -> None:
        nonlocal seen
        seen += 1

    pinger.ping.connect(slot)
    for i in range(n):
        pinger.ping.emit(i)
    return seen


async def _sleep_zero(n: int) -> int:
    for _ in range(n):
        await asyncio.sleep(0)
    return n


async def main(n: int) -> int:
    results = {
        "call_soon": await _call_soon_chain(n),
        "singleShot": await _single_shot_chain(n),
        "signal": _signal_slot(n),
        "sleep0": await _sleep_zero(n),
    }
    for name, count in results.items():
        if count != n:
            print(f"FAIL {name}: {count} != {n}", flush=True)
            return 1
    return 0


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    app = QApplication.instance() or QApplication(sys.argv[:1])
    started = time.perf_counter()
    code = run(main(n))
    elapsed = time.perf_counter() - started
    if code == 0:
        print(
            f"OK {n} callbacks x4 in {elapsed:.1f}s "
            f"(PySide6 {pyside_version}, Python {sys.version_info.major}.{sys.version_info.minor})",
            flush=True,
        )
    sys.exit(code)
