"""Regression: PySide6 6.12.0 on Python 3.11 aborts (none_dealloc) after ~16k Qt->Python callbacks."""

from __future__ import annotations

from tests.ui.procs import Child


def test_50k_callbacks_through_a_qasync_loop_complete():
    # A subprocess, so a fatal abort fails this test instead of killing pytest.
    with Child("tests.ui.callback_stress", "50000") as child:
        code = child.wait(timeout=100)
        out = child.transcript()
        assert "none_dealloc" not in out, out
        assert code == 0, out
        assert any(line.startswith("OK 50000 ") for line in child.stdout), out
