"""`vansroute --selftest` from the source install, as a user runs it (the frozen bundle's run is in
tests/e2e/test_bundle.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT
from tests.e2e.selftest_run import CHECKS, check_lines, clean_env, run_with_keyring


@pytest.mark.secret_service
def test_selftest_passes_with_a_secret_service(tmp_path: Path) -> None:
    done = run_with_keyring(
        [sys.executable, "-m", "app", "--selftest"], clean_env(tmp_path, PYTHONPATH=str(ROOT)), ROOT
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert check_lines(done.stdout) == dict.fromkeys(CHECKS, "ok")
    assert "keyring.backends.SecretService.Keyring" in done.stdout
    assert done.stdout.splitlines()[-1] == f"{len(CHECKS)}/{len(CHECKS)} checks passed"


def test_selftest_without_a_keyring_fails_on_that_line_only(tmp_path: Path) -> None:
    env = clean_env(tmp_path, PYTHONPATH=str(ROOT), PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    done = subprocess.run(
        [sys.executable, "-m", "app", "--selftest"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 1
    assert check_lines(done.stdout) == {**dict.fromkeys(CHECKS, "ok"), "keyring": "FAIL"}
    assert "No usable system keyring" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
