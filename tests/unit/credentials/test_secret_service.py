"""KeyringSecretStore against a real Secret Service (gnome-keyring on a private D-Bus session).

Recipe: HOME=$(mktemp -d) dbus-run-session -- sh -c
  'echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; <command>'
Without --unlock the keyring is locked and every call fails with KeyringLocked.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.environment import need_tools

pytestmark = pytest.mark.secret_service

REPO_ROOT = Path(__file__).resolve().parents[3]
TOOLS = ("dbus-run-session", "gnome-keyring-daemon")

SCRIPT = textwrap.dedent(
    """
    from app.core.errors import SecretMissing
    from app.credentials.keyring_store import KeyringSecretStore

    store = KeyringSecretStore(service="VansRoute-integration-test")
    assert store.available()
    ref = store.put("sk-integration-secret")
    assert store.get(ref) == "sk-integration-secret"
    store.delete(ref)
    store.delete(ref)
    try:
        store.get(ref)
    except SecretMissing:
        pass
    else:
        raise AssertionError("secret still there after delete")
    print("BACKEND", store.backend_name())
    """
)


def _require_tools() -> None:
    need_tools(TOOLS, "apt-get install -y --no-install-recommends gnome-keyring dbus")


def test_put_get_delete_under_secret_service(tmp_path: Path) -> None:
    _require_tools()
    home = tmp_path / "home"
    home.mkdir()
    script = tmp_path / "secret_service_check.py"
    script.write_text(SCRIPT)
    # A minimal environment: no DBUS_SESSION_BUS_ADDRESS or PYTHON_KEYRING_BACKEND leaks in from the
    # caller, so keyring picks its backend itself on the private session, as the app would.
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "PYTHONPATH": str(REPO_ROOT),
    }
    command = (
        "echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; "
        f'exec "{sys.executable}" "{script}"'
    )
    result = subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", command],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert "BACKEND keyring.backends.SecretService.Keyring" in result.stdout
