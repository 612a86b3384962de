"""The Clients page with the real setup service, on a temporary home folder and SQLite database."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication

from app.gateway.auth import hash_key
from app.services.admin import KeySource
from app.ui.bridge import EventBridge
from app.ui.pages.clients import ClientsPage, load_view, tools_model
from tests.ui.fake_runtime import FakeRuntime

ORIGINAL = '{\n  "theme": "dark",\n  "env": {\n    "DISABLE_TELEMETRY": "1"\n  }\n}\n'


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    (home / ".claude").mkdir(parents=True)
    (home / ".claude" / "settings.json").write_text(ORIGINAL)
    (home / ".codex").mkdir()
    return home


def _page(qtbot, runtime: FakeRuntime, home: Path) -> ClientsPage:
    bridge = EventBridge(runtime.bus)
    page = ClientsPage(runtime, bridge, home=home, environ={})
    page._test_bridge = bridge
    page.confirm = lambda _q: True
    qtbot.addWidget(page)
    page.resize(900, 640)
    page.show()
    qtbot.waitExposed(page)
    return page


def _state(page: ClientsPage, tool: str) -> str:
    return next(t.state for t in page.model.rows() if t.id == tool)


def test_model_passes_the_model_tester(qtmodeltester, fake_runtime: FakeRuntime, home: Path):
    from app.services.client_setup import ClientSetupService

    service = ClientSetupService(fake_runtime.admin(), fake_runtime.config, home=home, environ={})
    model = tools_model()
    model.set_rows(load_view(service, lambda: ()).tools)
    assert model.rowCount() == len(service.tools())
    qtmodeltester.check(model)


def test_lists_every_tool_with_its_state(qtbot, fake_runtime: FakeRuntime, home: Path):
    page = _page(qtbot, fake_runtime, home)
    names = [t.name for t in page.model.rows()]
    assert names[:2] == ["Claude Code", "Codex"] and "Cursor" in names
    assert _state(page, "claude-code") == "not configured"
    assert _state(page, "cursor") == "values to copy"
    installed = {t.id: t.installed for t in page.model.rows()}
    assert installed["claude-code"] and installed["codex"]  # their folders exist in this home
    assert not page.apply_button.isEnabled()


def test_preview_then_apply_then_restore(qtbot, fake_runtime: FakeRuntime, home: Path):
    settings = home / ".claude" / "settings.json"
    page = _page(qtbot, fake_runtime, home)
    page.select("claude-code")
    assert not page.apply_button.isEnabled()  # no preview yet

    page.preview_button.click()
    diff = page.diff_view.toPlainText()
    assert diff.startswith("--- ~/.claude/settings.json\n+++ ~/.claude/settings.json\n")
    assert '"ANTHROPIC_BASE_URL": "http://127.0.0.1:20127"' in diff
    assert "sk-" not in diff  # the key is masked
    assert page.diff_view.isReadOnly()
    assert settings.read_text() == ORIGINAL  # nothing written by the preview
    assert page.apply_button.isEnabled()

    page.apply_button.click()
    assert page.message().startswith("Claude Code now uses VansRoute at http://127.0.0.1:20127")
    written = json.loads(settings.read_text())
    assert written["theme"] == "dark" and written["env"]["ANTHROPIC_BASE_URL"] == "http://127.0.0.1:20127"
    # The key in the file is the tool's own gateway key.
    key = written["env"].get("ANTHROPIC_AUTH_TOKEN") or written["env"].get("ANTHROPIC_API_KEY")
    tool_key = next(k for k in fake_runtime.admin().list_keys() if k.name == "tool.claude-code")
    assert hash_key(key) == tool_key.key_hash
    assert _state(page, "claude-code") == "configured"
    assert not page.apply_button.isEnabled()

    page.restore_button.click()
    assert settings.read_text() == ORIGINAL
    assert page.message() == (
        "Claude Code no longer uses VansRoute (settings.json: put back exactly as it was; "
        "key 'tool.claude-code' revoked)."
    )
    assert _state(page, "claude-code") == "not configured"


def test_changing_the_model_after_a_preview_needs_a_new_preview(qtbot, fake_runtime: FakeRuntime, home: Path):
    fake_runtime.admin().add_known_provider("anthropic", key=KeySource(value="sk-ant-test-0000"))
    page = _page(qtbot, fake_runtime, home)
    page.select("claude-code")
    assert page.model_box.findText("anthropic/claude-sonnet-4-5") >= 0
    page.preview_button.click()
    assert page.apply_button.isEnabled()
    page.model_box.setEditText("anthropic/claude-sonnet-4-5")
    assert not page.apply_button.isEnabled()
    page.preview_button.click()
    assert "anthropic/claude-sonnet-4-5" in page.diff_view.toPlainText()


def test_a_tool_that_needs_a_model_says_so(qtbot, fake_runtime: FakeRuntime, home: Path):
    page = _page(qtbot, fake_runtime, home)
    page.select("opencode")
    assert page.model_label.text() == "Model (needed)"
    page.preview_button.click()
    assert page.message() == "OpenCode lists models by name: choose the model it should use first."
    assert not page.apply_button.isEnabled()


def test_a_broken_file_is_reported_and_left_alone(qtbot, fake_runtime: FakeRuntime, home: Path):
    settings = home / ".claude" / "settings.json"
    settings.write_text('{"theme": "dark",,}')
    page = _page(qtbot, fake_runtime, home)
    assert _state(page, "claude-code") == "file broken"
    page.select("claude-code")
    assert "cannot be read" in page.tool_label.text()
    page.preview_button.click()
    assert f"{settings} cannot be read" in page.message()
    assert "left untouched" in page.message()
    assert not page.apply_button.isEnabled()
    assert settings.read_text() == '{"theme": "dark",,}'


def test_cursor_gets_values_to_copy_and_its_key_once(qtbot, fake_runtime: FakeRuntime, home: Path):
    page = _page(qtbot, fake_runtime, home)
    page.select("cursor")
    page.preview_button.click()
    assert page.values_box.isVisible()
    values = [f.text() for f in page.value_fields]
    assert values[0] == "<new key tool.cursor>"  # the preview creates no key
    assert values[1] == "http://127.0.0.1:20127/v1"
    assert not any(k.name == "tool.cursor" for k in fake_runtime.admin().list_keys())

    page.apply_button.click()
    key = page.value_fields[0].text()
    tool_key = next(k for k in fake_runtime.admin().list_keys() if k.name == "tool.cursor")
    assert hash_key(key) == tool_key.key_hash
    QGuiApplication.clipboard().setText("")
    page.copy_buttons[0].click()
    assert QGuiApplication.clipboard().text() == key
    assert page.copy_buttons[0].text() == "Copied"
    page.copy_buttons[1].click()
    assert QGuiApplication.clipboard().text() == "http://127.0.0.1:20127/v1"

    page.values_done.click()
    assert not page.values_box.isVisible() and page.value_fields == []

    page.restore_button.click()
    assert page.message() == "Cursor no longer uses VansRoute (key 'tool.cursor' revoked)."


def test_screenshot(qtbot, fake_runtime: FakeRuntime, home: Path, tmp_path: Path):
    page = _page(qtbot, fake_runtime, home)
    page.select("codex")
    page.preview_button.click()
    page.apply_button.click()
    page.select("claude-code")
    page.preview_button.click()
    assert page.diff_view.toPlainText()
    qtbot.wait(50)
    out = Path(os.environ.get("VANSROUTE_SCREENSHOT_DIR", tmp_path)) / "page-clients.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    assert page.grab().save(str(out))
    assert out.stat().st_size > 10_000


def test_screenshot_of_values_to_copy(qtbot, fake_runtime: FakeRuntime, home: Path, tmp_path: Path):
    page = _page(qtbot, fake_runtime, home)
    page.select("cursor")
    page.preview_button.click()  # a dry run: the key field holds a placeholder, not a key
    assert page.value_fields[0].text() == "<new key tool.cursor>"
    qtbot.wait(50)
    out = Path(os.environ.get("VANSROUTE_SCREENSHOT_DIR", tmp_path)) / "page-clients-cursor.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    assert page.grab().save(str(out))
    assert out.stat().st_size > 10_000
