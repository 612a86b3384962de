"""Golden tests for every file writer: the same cases for each tool.

golden/<tool>/<case>/before/ is a home directory as a user might have it; after/ is what configuring
with TARGET must leave there, byte for byte; malformed cases hold error.txt (where the file is broken)
instead. Cases: no-file, other-keys (the user's own settings, comments), other-router (pointing at
another gateway: taken over, and restore puts it back) and malformed (left untouched).
Regenerate after an intended change with VANSROUTE_REGEN_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from app.clients import registry, writer
from app.clients.backups import BackupStore
from app.clients.errors import ConfigFileBroken
from app.clients.spec import GatewayTarget, ModelMapping

GOLDEN = Path(__file__).parent / "golden"
REGEN = os.environ.get("VANSROUTE_REGEN_GOLDEN") == "1"
TARGET = GatewayTarget(
    "http://127.0.0.1:20127",
    "vr-GOLDEN-KEY",
    ModelMapping(default="anthropic/claude-sonnet-4-5", haiku="anthropic/claude-haiku-4-5"),
)
CASES = sorted(
    (tool.name, case.name) for tool in GOLDEN.iterdir() if tool.is_dir() for case in tool.iterdir()
)


def tree(root: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and folder (None) under root, by relative path; `.keep` ignored."""
    if not root.exists():
        return {}
    return {
        p.relative_to(root).as_posix(): (p.read_bytes() if p.is_file() else None)
        for p in sorted(root.rglob("*"))
        if p.name != ".keep"
    }


def home_from(case: Path, tmp_path: Path) -> Path:
    home = tmp_path / "home"
    shutil.copytree(case / "before", home)
    (home / ".keep").unlink(missing_ok=True)
    return home


def files_only(snapshot: dict[str, bytes | None]) -> dict[str, bytes]:
    return {k: v for k, v in snapshot.items() if v is not None}


def test_every_writable_tool_has_golden_cases() -> None:
    tools = {s.id for s in registry.CLIENTS if s.writable}
    assert tools == {tool for tool, _ in CASES}
    for tool in tools:
        cases = {case for t, case in CASES if t == tool}
        assert {"no-file", "other-keys", "malformed"} <= cases, tool


@pytest.mark.parametrize(("tool", "case"), CASES)
def test_golden(tool: str, case: str, tmp_path: Path) -> None:
    spec = registry.get(tool)
    folder = GOLDEN / tool / case
    home = home_from(folder, tmp_path)
    before = tree(home)
    backups = BackupStore(tmp_path / "data" / "backups")

    if case == "malformed":
        with pytest.raises(ConfigFileBroken) as caught:
            writer.apply(spec, home, TARGET, backups)
        where = f"line {caught.value.line}, column {caught.value.column}"
        if REGEN:
            (folder / "error.txt").write_text(where + "\n")
        assert where == (folder / "error.txt").read_text().strip()
        assert str(caught.value.path) in str(caught.value)
        assert tree(home) == before, "a file that does not parse must be left untouched"
        assert not (tmp_path / "data" / "backups").exists(), "nothing to back up: nothing was written"
        return

    writer.apply(spec, home, TARGET, backups)
    after = files_only(tree(home))
    if REGEN:
        shutil.rmtree(folder / "after", ignore_errors=True)
        for rel, data in after.items():
            (folder / "after" / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / "after" / rel).write_bytes(data)
    assert after == files_only(tree(folder / "after"))

    status = writer.status(spec, home, backups, TARGET.base_url)
    assert status.configured and status.summary == "configured", status

    # Already configured: configuring again changes nothing.
    writer.apply(spec, home, TARGET, backups)
    assert files_only(tree(home)) == after

    results = writer.restore(spec, home, backups)
    assert {r.how for r in results} == {"exact"}
    assert tree(home) == before, "restore must put back exactly what was there, folders included"
    assert writer.status(spec, home, backups, TARGET.base_url).summary != "configured"
