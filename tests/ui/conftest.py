"""Qt test setup: offscreen platform, Qt warnings fail tests, async tests run on a qasync loop."""

from __future__ import annotations

import os

# Before anything imports Qt: no display needed, and no real tray (isSystemTrayAvailable() is False).
os.environ["QT_QPA_PLATFORM"] = "offscreen"

from collections.abc import Iterator
from pathlib import Path

import pytest
import qasync
from PySide6.QtWidgets import QApplication

from app.ui.qt_event_loop import GatewayEventLoop
from tests.ui.fake_runtime import FakeRuntime

UI_TESTS = Path(__file__).parent

# Limits of the offscreen platform plugin itself, not of our code.
OFFSCREEN_NOISE = (
    r"This plugin does not support propagateSizeHints\(\)",
    r"This plugin does not support raise\(\)",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if UI_TESTS in item.path.parents:
            # What `qt_log_level_fail = WARNING` in the ini would do, for tests/ui only.
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            item.add_marker(pytest.mark.qt_log_ignore(*OFFSCREEN_NOISE))


def _qasync_loop() -> qasync.QEventLoop:
    # The loop the app runs on (qasync's, with timers that die when cancelled).
    app = QApplication.instance() or QApplication(["pytest"])
    return GatewayEventLoop(app)


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> dict[str, object]:
    # Without this, Qt timers and signals would not fire while an async test awaits.
    return {"qasync": _qasync_loop}


@pytest.fixture
def fake_runtime() -> Iterator[FakeRuntime]:
    runtime = FakeRuntime(clock=lambda: 5000.0)
    yield runtime
    runtime.close()
