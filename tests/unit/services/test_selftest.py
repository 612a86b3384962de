"""The self-test's checks against the real parts of a source install (the frozen bundle runs the same
checks in tests/e2e/test_bundle.py; the `--selftest` flag is tested in tests/e2e/test_selftest_cli.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from app import __version__
from app.core.errors import SecretStoreUnavailable
from app.credentials.memory_store import MemorySecretStore
from app.services.selftest import (
    CheckResult,
    SelftestFailed,
    SelftestReport,
    check_catalogue,
    check_database,
    check_gateway,
    check_keyring,
    check_tokens,
    run_check,
    run_selftest,
)

ROOT = Path(__file__).resolve().parents[3]


class RecordingStore(MemorySecretStore):
    """The in-memory store, remembering every value it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.values: list[str] = []
        self.deleted: list[str] = []

    def put(self, value: str) -> str:
        self.values.append(value)
        return super().put(value)

    def delete(self, ref: str) -> None:
        self.deleted.append(ref)
        super().delete(ref)


class CorruptingStore(RecordingStore):
    def get(self, ref: str) -> str:
        return super().get(ref) + "x"


class StickyStore(RecordingStore):
    def delete(self, ref: str) -> None:
        self.deleted.append(ref)  # "deleted", but the value stays


class LockedStore(RecordingStore):
    def put(self, value: str) -> str:
        raise SecretStoreUnavailable(
            "No usable system keyring (the keyring is locked; could not store a secret)."
        )


def test_keyring_round_trip_deletes_its_entry_and_names_the_backend() -> None:
    store = RecordingStore()
    detail = check_keyring(store)
    assert detail == "store, read and delete through memory"
    assert len(store.values) == 1 and len(store.values[0]) >= 32  # random, not a fixed string
    assert len(store.deleted) == 1
    assert len(store) == 0


def test_keyring_values_differ_between_runs() -> None:
    store = RecordingStore()
    check_keyring(store)
    check_keyring(store)
    assert store.values[0] != store.values[1]


def test_keyring_returning_another_value_fails_and_still_deletes() -> None:
    store = CorruptingStore()
    with pytest.raises(SelftestFailed, match="returned a different value"):
        check_keyring(store)
    assert len(store) == 0


def test_keyring_that_keeps_a_deleted_entry_fails() -> None:
    with pytest.raises(SelftestFailed, match="still holds the throwaway entry"):
        check_keyring(StickyStore())


def test_no_keyring_is_one_failed_line_without_the_secret() -> None:
    store = LockedStore()
    result = run_check("keyring", lambda: check_keyring(store))
    assert not result.ok
    assert result.detail.startswith("No usable system keyring (the keyring is locked")


@pytest.mark.parametrize("store", [RecordingStore(), CorruptingStore(), StickyStore()])
def test_the_secret_never_appears_in_the_report(store: RecordingStore) -> None:
    result = run_check("keyring", lambda: check_keyring(store))
    report = SelftestReport(version=__version__, frozen=False, checks=(result,))
    assert store.values and store.values[0] not in "\n".join(report.lines())


def test_catalogue_comes_from_the_shipped_files() -> None:
    detail = check_catalogue()
    shipped = len(list((ROOT / "resources" / "providers").glob("*.json")))
    assert detail.startswith(f"{shipped} providers from ")
    assert str(ROOT / "resources" / "providers") in detail


def test_tokens_are_counted_offline() -> None:
    assert check_tokens().startswith("offline tokenizer loaded (")


def test_database_is_created_and_migrated_to_the_newest_revision() -> None:
    head = ScriptDirectory(str(ROOT / "app" / "store" / "migrations")).get_current_head()
    assert check_database() == f"sqlite database created and migrated to revision {head}"


def test_gateway_answers_one_request_through_the_in_process_upstream() -> None:
    result = run_check("gateway", check_gateway)
    assert result.ok, result.detail
    assert result.detail == "one chat completion through the gateway to an in-process upstream"
    assert result.seconds > 0


def test_a_crashing_check_is_reported_not_raised() -> None:
    def broken() -> str:
        raise ValueError("plugin not found")

    result = run_check("qt", broken)
    assert result == CheckResult("qt", False, "ValueError: plugin not found", result.seconds)


def test_our_own_errors_are_shown_as_written() -> None:
    def failing() -> str:
        raise SelftestFailed("the fake upstream saw 2 requests instead of 1")

    assert run_check("gateway", failing).detail == "the fake upstream saw 2 requests instead of 1"


def test_one_failing_check_fails_the_report_but_the_others_still_run() -> None:
    def broken() -> str:
        raise RuntimeError("no platform plugin")

    report = run_selftest(extra=(("qt", broken),))
    names = [check.name for check in report.checks]
    assert names == ["catalogue", "tokens", "keyring", "database", "gateway", "qt"]
    assert not report.ok
    by_name = {check.name: check for check in report.checks}
    assert by_name["gateway"].ok and by_name["database"].ok and by_name["catalogue"].ok
    assert not by_name["qt"].ok
    assert any(line.startswith("  FAIL qt ") and "no platform plugin" in line for line in report.lines())


def test_report_lines_and_verdict() -> None:
    passed = CheckResult("database", True, "migrated", 0.012)
    failed = CheckResult("keyring", False, "locked", 0.5)
    good = SelftestReport(version=__version__, frozen=False, checks=(passed,))
    bad = SelftestReport(version=__version__, frozen=True, checks=(passed, failed))
    assert good.ok and not bad.ok
    assert not SelftestReport(version=__version__, frozen=False, checks=()).ok
    lines = bad.lines()
    assert lines[0].startswith(f"VansRoute {__version__} self-test (frozen app, ")
    assert lines[1:] == (
        "  ok   database   migrated (12 ms)",
        "  FAIL keyring    locked (500 ms)",
        "1/2 checks passed",
    )
    assert "Python " in good.lines()[0]


def test_the_service_part_never_imports_qt() -> None:
    code = (
        "import sys\n"
        "from app.services.selftest import run_selftest\n"
        "report = run_selftest()\n"
        "assert [c.name for c in report.checks][-1] == 'gateway'\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'qasync', 'shiboken6'))\n"
        "print(','.join(loaded) or 'none')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "none"
