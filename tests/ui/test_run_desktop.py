"""run_desktop end to end: a real QApplication + qasync loop in a subprocess, stopped by a signal."""

from __future__ import annotations

import signal
import sys

import pytest

from tests.ui.procs import Child

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_the_desktop_app_cleanly(signum: signal.Signals):
    with Child("tests.ui.fake_runtime", env={"QT_QPA_PLATFORM": "offscreen"}) as child:
        child.wait_for("FAKE-RUNTIME started")
        assert child.wait_for("READY") == "READY tray_available=False"
        child.proc.send_signal(signum)
        code = child.wait(timeout=20)
        out = child.transcript()
        assert code == 0, out
        assert child.stdout[-3:] == ["FAKE-RUNTIME stop-called", "FAKE-RUNTIME stopped", "EXIT 0"], out
        assert f"{signum.name} received; stopping" in out
        assert "Traceback" not in out
        assert "Event loop stopped before Future completed" not in out


def test_signal_while_traffic_flows():
    # Events arriving every 50 ms keep Python busy in callbacks; the signal must still get through.
    with Child("tests.ui.fake_runtime", "--traffic", "0.05", "--open-window") as child:
        child.wait_for("READY")
        child.proc.send_signal(signal.SIGTERM)
        assert child.wait(timeout=20) == 0, child.transcript()
        assert "FAKE-RUNTIME stopped" in child.stdout


def test_signal_during_a_slow_start():
    with Child("tests.ui.fake_runtime", "--slow-start", "30") as child:
        child.wait_for("FAKE-RUNTIME starting")
        child.proc.send_signal(signal.SIGTERM)
        code = child.wait(timeout=20)
        out = child.transcript()
        assert code == 0, out
        assert "FAKE-RUNTIME start-cancelled" in child.stdout, out
        assert child.stdout[-3:] == ["FAKE-RUNTIME stop-called", "FAKE-RUNTIME stopped", "EXIT 0"], out
        assert not any(line.startswith("READY") for line in child.stdout), out
