"""The shared writer steps: conflicts, roll-back, permissions, restore after the user's own edits,
repeated configures, diffs that hide keys, status."""

from __future__ import annotations

import dataclasses
import stat
from pathlib import Path
from typing import Any

import orjson
import pytest

from app.clients import claude_code, codex, gemini_cli, writer
from app.clients.backups import KEEP, BackupStore
from app.clients.document import Assignments, Document, KeyPath
from app.clients.errors import ConfigFileBroken, EditConflict, NotConfigured
from app.clients.spec import ClientSpec, GatewayTarget, ModelMapping

URL = "http://127.0.0.1:20127"
TARGET = GatewayTarget(URL, "vr-NEW-KEY", ModelMapping(default="a/m1"))
USER_SETTINGS = """{
  "env": {
    "ANTHROPIC_BASE_URL": "http://localhost:20128",
    "ANTHROPIC_AUTH_TOKEN": "sk-other-router",
    "ANTHROPIC_API_KEY": "sk-ant-own"
  },
  "model": "opus"
}
"""


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "home").mkdir()
    return tmp_path / "home"


@pytest.fixture
def backups(tmp_path: Path) -> BackupStore:
    return BackupStore(tmp_path / "data" / "backups")


def settings(home: Path, text: str | None = USER_SETTINGS, mode: int = 0o644) -> Path:
    path = home / ".claude" / "settings.json"
    if text is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        path.chmod(mode)
    return path


class SavesMeanwhile:
    """A document whose render, like a tool saving its settings at that moment, writes the file."""

    def __init__(self, inner: Document, path: Path, content: str) -> None:
        self.inner, self.path, self.content = inner, path, content

    def check(self, path: Path, text: str) -> None:
        self.inner.check(path, text)

    def read(self, path: Path, text: str, keys: tuple[KeyPath, ...]) -> dict[KeyPath, Any]:
        return self.inner.read(path, text, keys)

    def render(self, path: Path, text: str, assignments: Assignments) -> str:
        out = self.inner.render(path, text, assignments)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(self.content)
        return out


def with_saving(spec: ClientSpec, index: int, path: Path, content: str) -> ClientSpec:
    files = list(spec.files)
    files[index] = dataclasses.replace(
        files[index], document=SavesMeanwhile(files[index].document, path, content)
    )
    return dataclasses.replace(spec, files=tuple(files))


def test_an_edit_made_while_we_render_is_not_clobbered(home: Path, backups: BackupStore) -> None:
    path = settings(home)
    theirs = USER_SETTINGS.replace('"opus"', '"sonnet"')
    spec = with_saving(claude_code.SPEC, 0, path, theirs)
    with pytest.raises(EditConflict):
        writer.apply(spec, home, TARGET, backups)
    assert path.read_text() == theirs
    assert backups.state(path) is None and backups.history(path) == []
    # Trying again reads their version and configures on top of it.
    writer.apply(claude_code.SPEC, home, TARGET, backups)
    assert orjson.loads(path.read_bytes())["model"] == "sonnet"


def test_a_conflict_on_the_second_file_rolls_the_first_back(home: Path, backups: BackupStore) -> None:
    env = home / ".gemini" / ".env"
    env.parent.mkdir()
    env.write_text("GEMINI_API_KEY=own\n")
    second = home / ".gemini" / "settings.json"
    spec = with_saving(gemini_cli.SPEC, 1, second, '{"ui": {}}')
    with pytest.raises(EditConflict):
        writer.apply(spec, home, TARGET, backups)
    assert env.read_text() == "GEMINI_API_KEY=own\n"
    assert second.read_text() == '{"ui": {}}'
    assert backups.state(env) is None and backups.state(second) is None


def test_permissions_survive_configure_and_restore(home: Path, backups: BackupStore) -> None:
    path = settings(home, mode=0o640)
    writer.apply(claude_code.SPEC, home, TARGET, backups)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    writer.restore(claude_code.SPEC, home, backups)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640 and path.read_text() == USER_SETTINGS


def test_a_file_we_create_is_private(home: Path, backups: BackupStore) -> None:
    writer.apply(codex.SPEC, home, TARGET, backups)
    assert stat.S_IMODE((home / ".codex" / "config.toml").stat().st_mode) == 0o600


def test_restore_after_the_user_edited_keeps_their_edit_and_puts_our_keys_back(
    home: Path, backups: BackupStore
) -> None:
    path = settings(home)
    writer.apply(claude_code.SPEC, home, TARGET, backups)
    path.write_text(path.read_text().replace('"opus"', '"haiku"'))
    (result,) = writer.restore(claude_code.SPEC, home, backups)
    assert result.how == "keys"
    expected = orjson.loads(USER_SETTINGS)
    expected["model"] = "haiku"
    assert orjson.loads(path.read_bytes()) == expected
    # What the file held just before the restore is itself backed up.
    assert result.backup_id is not None and b"haiku" in (backups.data(path, result.backup_id) or b"")


def test_restore_after_the_user_deleted_the_file_puts_the_original_back(
    home: Path, backups: BackupStore
) -> None:
    path = settings(home)
    writer.apply(claude_code.SPEC, home, TARGET, backups)
    path.unlink()
    writer.restore(claude_code.SPEC, home, backups)
    assert path.read_text() == USER_SETTINGS


def test_restore_goes_back_to_before_the_first_configure_however_many_followed(
    home: Path, backups: BackupStore
) -> None:
    path = settings(home)
    for n in range(KEEP + 3):
        target = dataclasses.replace(TARGET, models=ModelMapping(default=f"a/m{n}"))
        writer.apply(claude_code.SPEC, home, target, backups)
    assert len(backups.history(path)) == KEEP + 1  # five newest + the pinned original
    writer.restore(claude_code.SPEC, home, backups)
    assert path.read_text() == USER_SETTINGS


def test_restore_of_a_tool_never_configured(home: Path, backups: BackupStore) -> None:
    settings(home)
    with pytest.raises(NotConfigured, match="not configured by VansRoute"):
        writer.restore(claude_code.SPEC, home, backups)


def test_restore_refuses_a_file_broken_since(home: Path, backups: BackupStore) -> None:
    path = settings(home)
    writer.apply(claude_code.SPEC, home, TARGET, backups)
    path.write_text('{"env": ')
    with pytest.raises(ConfigFileBroken):
        writer.restore(claude_code.SPEC, home, backups)
    assert path.read_text() == '{"env": ' and backups.state(path) is not None


def test_a_conflicting_restore_keeps_the_state_to_retry(home: Path, backups: BackupStore) -> None:
    path = settings(home)
    writer.apply(claude_code.SPEC, home, TARGET, backups)
    edited = path.read_text().replace('"opus"', '"sonnet"')
    spec = with_saving(claude_code.SPEC, 0, path, edited)
    path.write_text(path.read_text().replace('"opus"', '"haiku"'))  # takes the "keys" path (render)
    with pytest.raises(EditConflict):
        writer.restore(spec, home, backups)
    assert path.read_text() == edited and backups.state(path) is not None
    writer.restore(claude_code.SPEC, home, backups)
    assert orjson.loads(path.read_bytes())["env"] == orjson.loads(USER_SETTINGS)["env"]


def test_the_diff_hides_every_key(home: Path) -> None:
    settings(home)
    shown = writer.diff(writer.plan(claude_code.SPEC, home, TARGET))
    assert shown.startswith("---") and "+++" in shown
    for secret in ("vr-NEW-KEY", "sk-other-router", "sk-ant-own"):
        assert secret not in shown
    assert writer.MASK in shown and URL in shown


def test_status_reports_a_broken_file(home: Path, backups: BackupStore) -> None:
    settings(home, '{"env": [}')
    status = writer.status(claude_code.SPEC, home, backups, URL)
    assert status.summary == "file broken" and "line 1" in (status.files[0].error or "")


def test_status_sees_another_router(home: Path, backups: BackupStore) -> None:
    settings(home)
    status = writer.status(claude_code.SPEC, home, backups, URL)
    assert status.summary == "points elsewhere"
    assert status.files[0].routes_to == "http://localhost:20128" and not status.files[0].points_at_us


def test_current_secret_reads_our_key_back(home: Path, backups: BackupStore) -> None:
    settings(home)
    writer.apply(claude_code.SPEC, home, TARGET, backups)
    assert writer.current_secret(claude_code.SPEC, home) == "vr-NEW-KEY"


def test_same_gateway_ignores_the_api_suffix() -> None:
    assert writer.same_gateway("http://127.0.0.1:20127/v1/", URL)
    assert writer.same_gateway("http://127.0.0.1:20127/v1beta", URL)
    assert not writer.same_gateway("http://127.0.0.1:20128", URL)


def test_detect_sees_the_tool_and_whether_it_points_at_us(home: Path, backups: BackupStore) -> None:
    assert writer.detect(claude_code.SPEC, home, backups, URL) in (
        writer.Detection(False, False),
        writer.Detection(True, False),  # a `claude` on this machine's PATH
    )
    settings(home)
    assert writer.detect(claude_code.SPEC, home, backups, URL) == writer.Detection(True, False)
    writer.apply(claude_code.SPEC, home, TARGET, backups)
    assert writer.detect(claude_code.SPEC, home, backups, URL) == writer.Detection(True, True)


def test_render_is_pure(home: Path) -> None:
    managed = claude_code.SPEC.files[0]
    path = home / "never-written.json"
    out = writer.render(managed, path, USER_SETTINGS, TARGET)
    assert out == writer.render(managed, path, USER_SETTINGS, TARGET)
    assert not path.exists() and orjson.loads(out)["model"] == "opus"


def test_the_diff_hides_keys_of_other_providers_in_context_lines(home: Path) -> None:
    config = home / ".codex" / "config.toml"
    config.parent.mkdir()
    config.write_text(
        'model = "x"\n[model_providers.other]\nexperimental_bearer_token = "sk-theirs-123"\n'
        "request_max_retries = 4\n"
    )
    shown = writer.diff(writer.plan(codex.SPEC, home, TARGET))
    assert "sk-theirs-123" not in shown and "vr-NEW-KEY" not in shown
    assert "request_max_retries = 4" in shown, "numbers and other values stay readable"


def test_restore_leaves_a_file_another_router_took_over_since(home: Path, backups: BackupStore) -> None:
    path = settings(home)
    writer.apply(claude_code.SPEC, home, TARGET, backups)
    theirs = '{"env": {"ANTHROPIC_BASE_URL": "http://localhost:3456", "ANTHROPIC_AUTH_TOKEN": "t"}}\n'
    path.write_text(theirs)
    (result,) = writer.restore(claude_code.SPEC, home, backups)
    assert result.how == "taken-over" and path.read_text() == theirs
    assert backups.state(path) is None
