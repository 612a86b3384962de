"""The Combos page against the real combo service on a temporary SQLite database."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QModelIndex

from app.services.admin import KeySource
from app.services.combos import ComboAdmin
from app.ui.bridge import EventBridge
from app.ui.models.known_models import known_models
from app.ui.pages.combos import CombosPage, combos_model
from tests.ui.fake_runtime import FakeRuntime


def _providers(runtime: FakeRuntime) -> None:
    admin = runtime.admin()
    admin.add_known_provider("anthropic", key=KeySource(value="sk-ant-test-0000"))
    admin.add_known_provider("openai", key=KeySource(value="sk-test-0000"))
    admin.add_provider(
        "local",
        wire_format="openai",
        base_url="http://127.0.0.1:11434/v1",
        models="qwen3-coder,llama3.3",
        key=KeySource(none=True),
    )


def _page(qtbot, runtime: FakeRuntime) -> CombosPage:
    bridge = EventBridge(runtime.bus)
    page = CombosPage(runtime, bridge)
    page._test_bridge = bridge
    page.confirm = lambda _q: True
    qtbot.addWidget(page)
    page.resize(900, 640)
    page.show()
    qtbot.waitExposed(page)
    return page


def _combos(runtime: FakeRuntime) -> ComboAdmin:
    return ComboAdmin(runtime.admin().store)


def _add(page: CombosPage, *members: str) -> None:
    for member in members:
        page.model_box.setEditText(member)
        page.add_member_button.click()


def test_model_passes_the_model_tester(qtmodeltester, fake_runtime: FakeRuntime):
    _providers(fake_runtime)
    _combos(fake_runtime).add("coding", "fallback", ["anthropic/claude-sonnet-4-5", "openai/gpt-5"])
    _combos(fake_runtime).add("fast", "round-robin", ["local/qwen3-coder", "combo/coding"])
    model = combos_model()
    model.set_rows(_combos(fake_runtime).list())
    qtmodeltester.check(model)


def test_known_models_come_from_providers_and_the_catalogue(fake_runtime: FakeRuntime):
    _providers(fake_runtime)
    models = known_models(fake_runtime.admin())
    assert "anthropic/claude-sonnet-4-5" in models
    assert "openai/gpt-5-mini" in models
    # A provider with its own list offers only that list.
    assert [m for m in models if m.startswith("local/")] == ["local/llama3.3", "local/qwen3-coder"]


def test_create_a_fallback_combo(qtbot, fake_runtime: FakeRuntime):
    _providers(fake_runtime)
    page = _page(qtbot, fake_runtime)
    assert page.model_box.findText("openai/gpt-5") >= 0
    page.name_edit.setText("coding")
    _add(page, "anthropic/claude-sonnet-4-5", "openai/gpt-5", "local/qwen3-coder")
    page.save_button.click()
    combo = _combos(fake_runtime).get("coding")
    assert combo.strategy == "fallback"
    assert combo.targets == ("anthropic/claude-sonnet-4-5", "openai/gpt-5", "local/qwen3-coder")
    assert page.message() == "combo/coding created."
    assert [c.name for c in page.model.rows()] == ["coding"]
    # The new combo can now be a member of another.
    assert page.model_box.findText("combo/coding") >= 0
    assert page.editing == "coding" and page.name_edit.isReadOnly()


def test_drag_reorders_members_and_save_keeps_the_order(qtbot, fake_runtime: FakeRuntime):
    _providers(fake_runtime)
    _combos(fake_runtime).add("coding", "fallback", ["a/one", "b/two", "c/three"])
    page = _page(qtbot, fake_runtime)
    page.view.selectRow(0)
    assert page.member_names() == ["a/one", "b/two", "c/three"]
    assert page.members.dragDropMode() == page.members.DragDropMode.InternalMove

    # What an InternalMove drop does to the list's model (a synthetic drag cannot be completed on
    # the offscreen platform: its drag loop ignores test mouse events).
    assert page.members.model().moveRow(QModelIndex(), 2, QModelIndex(), 0)
    assert page.member_names() == ["c/three", "a/one", "b/two"]

    page.save_button.click()
    assert _combos(fake_runtime).get("coding").targets == ("c/three", "a/one", "b/two")
    assert page.message() == "combo/coding saved."


def test_weighted_and_fusion_options(qtbot, fake_runtime: FakeRuntime):
    _providers(fake_runtime)
    page = _page(qtbot, fake_runtime)
    page.name_edit.setText("mix")
    _add(page, "openai/gpt-5", "anthropic/claude-sonnet-4-5")
    page.strategy_box.setCurrentText("weighted")
    assert page.weights_edit.isVisibleTo(page) and not page.judge_box.isVisibleTo(page)
    page.weights_edit.setText("3, 1")
    page.save_button.click()
    assert _combos(fake_runtime).get("mix").option("weights") == [3.0, 1.0]

    page.strategy_box.setCurrentText("fusion")
    assert page.judge_box.isVisibleTo(page) and not page.weights_edit.isVisibleTo(page)
    page.judge_box.setEditText("anthropic/claude-sonnet-4-5")
    page.seconds["grace_s"].setValue(5)
    page.save_button.click()
    combo = _combos(fake_runtime).get("mix")
    assert combo.strategy == "fusion"
    assert dict(combo.options) == {"judge": "anthropic/claude-sonnet-4-5", "grace_s": 5.0}


def test_service_errors_go_to_the_banner(qtbot, fake_runtime: FakeRuntime):
    page = _page(qtbot, fake_runtime)
    page.name_edit.setText("bad name!")
    _add(page, "openai/gpt-5")
    page.save_button.click()
    assert page.message().startswith("invalid combo name 'bad name!'")

    page.name_edit.setText("solo")
    page.strategy_box.setCurrentText("fusion")
    page.save_button.click()
    assert page.message() == "a fusion combo needs a panel of at least two members"

    page.strategy_box.setCurrentText("weighted")
    page.weights_edit.setText("3, x")
    page.save_button.click()
    assert page.message().startswith("weights must be numbers")
    page.weights_edit.setText("3, 1")
    page.save_button.click()
    assert page.message() == "give one weight per member (1)"
    assert _combos(fake_runtime).list() == ()

    _add(page, "openai/gpt-5")
    assert page.message() == "openai/gpt-5 is already a member (a combo lists each member once)."


def test_delete_refused_while_used_then_allowed(qtbot, fake_runtime: FakeRuntime):
    _combos(fake_runtime).add("base", "fallback", ["a/one"])
    _combos(fake_runtime).add("outer", "fallback", ["combo/base", "b/two"])
    page = _page(qtbot, fake_runtime)
    page.view.selectRow(0)
    assert page.selected().name == "base"
    page.delete_button.click()
    assert page.message() == "combo 'base' is used by outer: remove it from them first"
    page.view.selectRow(1)
    page.delete_button.click()
    assert page.message() == "combo/outer deleted."
    assert [c.name for c in _combos(fake_runtime).list()] == ["base"]
    assert page.editing is None and page.name_edit.text() == ""


def test_screenshot(qtbot, fake_runtime: FakeRuntime, tmp_path: Path):
    _providers(fake_runtime)
    combos = _combos(fake_runtime)
    combos.add("coding", "fallback", ["anthropic/claude-sonnet-4-5", "openai/gpt-5", "local/qwen3-coder"])
    combos.add("cheap", "cheapest", ["openai/gpt-5-mini", "local/qwen3-coder", "anthropic/claude-haiku-4-5"])
    combos.add(
        "panel",
        "fusion",
        ["anthropic/claude-opus-4-5", "openai/gpt-5", "combo/coding"],
        {"judge": "anthropic/claude-opus-4-5", "grace_s": 6},
    )
    page = _page(qtbot, fake_runtime)
    page.view.selectRow(2)
    assert page.editing == "panel"
    qtbot.wait(50)
    out = Path(os.environ.get("VANSROUTE_SCREENSHOT_DIR", tmp_path)) / "page-combos.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    assert page.grab().save(str(out))
    assert out.stat().st_size > 10_000
