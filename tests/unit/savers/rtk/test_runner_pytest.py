"""The pytest filter on the output of a real pytest run with deliberate failures."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.savers.rtk import runner_pytest

FAILING = """
import warnings

def test_dict_mismatch():
    assert {"a": 1, "b": 2} == {"a": 1, "b": 3}

def test_raises():
    items = []
    assert items[0] == 1

def test_prints():
    print("debug output line")
    warnings.warn("old api", DeprecationWarning)
    assert 1 + 1 == 3
"""


def run_pytest(tmp_path: Path, *flags: str) -> str:
    (tmp_path / "test_pass.py").write_text(
        "".join(f"def test_ok_{i}():\n    assert True\n" for i in range(30))
    )
    (tmp_path / "test_fail.py").write_text(FAILING)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *flags, "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        check=False,
    )
    return done.stdout


@pytest.mark.parametrize("flags", [(), ("-v",)])
def test_failures_their_assertions_and_locations_survive(tmp_path: Path, flags: tuple[str, ...]) -> None:
    text = run_pytest(tmp_path, *flags)
    out = runner_pytest.compress(text)
    assert len(out) < len(text)
    for test_id in re.findall(r"^FAILED (\S+)", text, re.M):
        assert f"FAILED {test_id}" in out
    for line in re.findall(r"^E[ \t]+.*$", text, re.M):
        assert line.rstrip() in out
    for location in re.findall(r"^\S+\.py:\d+: \w+$", text, re.M):
        assert location in out
    assert re.search(r"3 failed, 30 passed", out)
    assert "debug output line" in out  # captured output of a failure
    assert "old api" in out  # the warning's message
    assert "PASSED" not in out and "platform " not in out and "rootdir:" not in out


def test_long_assertion_diffs_are_capped() -> None:
    e_lines = "\n".join(f"E         line {i}" for i in range(runner_pytest.E_LINES + 12))
    text = f"=== FAILURES ===\n___ test_x ___\n>   assert a == b\n{e_lines}\nt.py:3: AssertionError\n=== 1 failed in 0.1s ==="
    out = runner_pytest.compress(text)
    assert "12 assertion lines omitted" in out and "t.py:3: AssertionError" in out
