"""Tray menu with services, tray states, notifications through the tray, single instance, wizard."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication

from app.core.events import BreakerClosed, BreakerOpened, QuotaParked, QuotaReactivated
from app.core.tasks import spawn
from app.gateway.auth import hash_key
from app.services.autostart import Autostart
from app.services.status import BreakerStatus, ResilienceStatus
from app.ui.bridge import EventBridge
from app.ui.icons import STATE_BADGES, app_icon, render_state_icon
from app.ui.loop import DesktopShell
from app.ui.notices import Message, NoticeGate, NoticeKind
from app.ui.notifier import Notifier
from app.ui.single_instance import SingleInstance, ask_running_instance, server_name
from app.ui.tray import Tray
from app.ui.tray_state import tray_state
from app.ui.wizard import FirstRunWizard
from tests.ui.fake_runtime import FakeRuntime
from tests.ui.test_pages import shoot

UNTIL = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture
def bridge(fake_runtime: FakeRuntime):
    b = EventBridge(fake_runtime.bus)
    yield b
    b.close()


@pytest.fixture
def autostart(tmp_path: Path) -> Autostart:
    return Autostart(
        home=tmp_path / "home", command=("/usr/bin/vansroute", "serve"), platform="linux", environ={}
    )


@pytest.fixture
def tray(fake_runtime: FakeRuntime, bridge: EventBridge, autostart: Autostart, tmp_path: Path):
    fake_runtime.state = "serving"
    t = Tray(
        fake_runtime.status,
        bridge,
        app_icon(),
        services=fake_runtime,
        autostart=autostart,
        client_home=tmp_path / "home",
    )
    yield t
    t.dispose()


def _texts(tray: Tray) -> list[str]:
    return [a.text() for a in tray.menu.actions() if not a.isSeparator()]


def test_full_menu(qtbot, tray: Tray):
    assert _texts(tray) == [
        "VansRoute — serving on http://127.0.0.1:20127 · 42 requests",
        "Open",
        "Configure Claude Code",
        "Configure Codex",
        "Pause gateway",
        "Copy endpoint",
        "Copy API key",
        "Start at login",
        "Quit",
    ]
    assert tray.autostart_action is not None and tray.autostart_action.isCheckable()


def test_status_line_counts_requests_today(qtbot, tray: Tray, fake_runtime: FakeRuntime):
    # 300 recorded before this run started, plus the 42 this run has served.
    tray.set_today(300)
    assert tray.status_text() == "VansRoute — serving on http://127.0.0.1:20127 · 342 requests today"
    fake_runtime.finish_request()
    qtbot.waitUntil(lambda: tray.status_text().endswith("· 343 requests today"))


async def test_the_shell_reads_todays_count_once_after_start(qtbot, tmp_path: Path, autostart: Autostart):
    from app.core.records import UsageRecord, WireFormat

    runtime = FakeRuntime(requests_served=0)
    try:
        store = runtime.admin()._store
        store.usage.add_many(
            [
                UsageRecord(
                    request_id=f"old-{i}",
                    started_at=datetime.now(UTC),
                    api_key_name="k",
                    client_format=WireFormat.OPENAI,
                    provider_id="openai",
                    account_id=1,
                    model="gpt",
                    status=200,
                    latency_ms=10.0,
                    stream=False,
                )
                for i in range(7)
            ]
        )
        shell = DesktopShell(runtime, app_icon(), autostart=autostart)
        task = spawn(shell.run(), name="shell")
        await asyncio.wait_for(runtime.started.wait(), timeout=5)
        for _ in range(100):
            if "today" in shell.tray.status_text():
                break
            await asyncio.sleep(0.05)
        assert shell.tray.status_text().endswith("· 7 requests today"), shell.tray.status_text()
        shell.request_stop()
        assert await asyncio.wait_for(task, timeout=5) == 0
    finally:
        runtime.close()


def test_pause_and_resume(qtbot, tray: Tray, fake_runtime: FakeRuntime):
    assert tray.pause_action is not None
    tray.pause_action.trigger()
    assert fake_runtime.paused
    assert tray.pause_action.text() == "Resume gateway"
    assert (
        tray.status_text() == "VansRoute — paused (requests get 503) on http://127.0.0.1:20127 · 42 requests"
    )
    assert tray.state == "paused"
    tray.pause_action.trigger()
    assert not fake_runtime.paused and tray.pause_action.text() == "Pause gateway"
    assert tray.state == "running"


def test_copy_endpoint_and_the_desktop_key(qtbot, tray: Tray, fake_runtime: FakeRuntime):
    assert tray.copy_endpoint_action is not None and tray.copy_key_action is not None
    tray.copy_endpoint_action.trigger()
    assert QGuiApplication.clipboard().text() == "http://127.0.0.1:20127"
    with qtbot.waitSignal(tray.key_copied, timeout=2000):
        tray.copy_key_action.trigger()
    key = QGuiApplication.clipboard().text()
    live = {k.key_hash: k.name for k in fake_runtime.admin().list_keys(include_revoked=False)}
    assert live[hash_key(key)] == "desktop"
    # The same key every time: it comes back from the secret store.
    QGuiApplication.clipboard().clear()
    tray.copy_key_action.trigger()
    assert QGuiApplication.clipboard().text() == key


def test_configure_claude_code_in_one_click(qtbot, tray: Tray, fake_runtime: FakeRuntime, tmp_path: Path):
    with qtbot.waitSignal(tray.tool_configured, timeout=5000) as blocker:
        tray.configure_actions["claude-code"].trigger()
    result = blocker.args[0]
    assert result.name == "Claude Code" and result.key_name == "tool.claude-code"
    assert result.paths and all(str(p).startswith(str(tmp_path / "home")) for p in result.paths)
    written = "".join(p.read_text() for p in result.paths)
    assert fake_runtime.url in written
    assert "tool.claude-code" in [k.name for k in fake_runtime.admin().list_keys(include_revoked=False)]


def test_start_at_login_from_the_tray(qtbot, tray: Tray, autostart: Autostart):
    assert tray.autostart_action is not None
    tray.autostart_action.setChecked(True)
    assert autostart.enabled()
    tray.autostart_action.setChecked(False)
    assert not autostart.enabled()
    autostart.enable()
    tray.sync_autostart()  # what opening the menu does
    assert tray.autostart_action.isChecked()


def test_tray_icon_states(qtbot, tray: Tray, fake_runtime: FakeRuntime):
    assert tray.state == "running"
    fake_runtime.resilience_status = ResilienceStatus(
        (BreakerStatus("groq:direct", "open", 5, 30.0),), (), ()
    )
    fake_runtime.bus.publish(BreakerOpened("groq:direct", 5, 30.0))
    assert tray.state == "degraded"
    fake_runtime.resilience_status = ResilienceStatus((), (), ())
    fake_runtime.bus.publish(BreakerClosed("groq:direct"))
    assert tray.state == "running"
    fake_runtime.bus.publish(QuotaParked("openai", 7, "work", UNTIL, "quota"))
    assert tray.state == "degraded"
    fake_runtime.bus.publish(QuotaReactivated("openai", 7, "work"))
    assert tray.state == "running"
    fake_runtime.state = "stopped"
    tray.refresh()
    assert tray.state == "stopped"


def test_tray_state_rules():
    open_ = ResilienceStatus((BreakerStatus("a:direct", "open", 5, 1.0),), (), ())
    degraded_only = ResilienceStatus((BreakerStatus("a:direct", "degraded", 3, None),), (), ())
    assert tray_state("serving", None, 0) == "running"
    assert tray_state("serving", degraded_only, 0) == "running"
    assert tray_state("serving", open_, 0) == "degraded"
    assert tray_state("serving", None, 1) == "degraded"
    assert tray_state("paused", open_, 1) == "paused"
    assert tray_state("stopping", None, 0) == "stopped"


def test_state_icons_differ(qtbot):
    images = {state: render_state_icon(state, 32).toImage() for state in STATE_BADGES}
    assert len({img.bits().tobytes() for img in images.values()}) == 4


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_notifier_turns_a_storm_into_one_message(qtbot, fake_runtime: FakeRuntime, bridge, tray: Tray):
    clock = FakeClock()
    notifier = Notifier(tray, bridge, gate=NoticeGate(group_s=0.05, min_gap_s=30), clock=clock)
    shown: list[Message] = []
    notifier.shown.connect(shown.append)
    for i in range(10):
        fake_runtime.bus.publish(BreakerOpened(f"p{i}:direct", 5, 30.0))
    fake_runtime.bus.publish(QuotaParked("openai", 1, "work", UNTIL, "quota"))
    clock.now += 0.05
    qtbot.waitUntil(lambda: len(shown) == 1, timeout=2000)
    assert shown[0].count == 11
    assert shown[0].body.splitlines()[0] == "1 quota used up: openai/work"
    # Within the gap: kept, not shown.
    fake_runtime.bus.publish(BreakerClosed("p0:direct"))
    qtbot.wait(100)
    assert len(shown) == 1
    clock.now += 30
    notifier.flush()
    assert [m.title for m in shown] == ["Providers need attention", "p0 recovered"]


def test_notifier_respects_switched_off_kinds(qtbot, fake_runtime: FakeRuntime, bridge, tray: Tray):
    clock = FakeClock()
    notifier = Notifier(tray, bridge, gate=NoticeGate(group_s=0, min_gap_s=0), clock=clock)
    notifier.set_disabled(frozenset({NoticeKind.BREAKER_OPENED}))
    shown: list[Message] = []
    notifier.shown.connect(shown.append)
    fake_runtime.bus.publish(BreakerOpened("groq:direct", 5, 30.0))
    qtbot.wait(50)
    assert shown == []
    fake_runtime.bus.publish(QuotaParked("openai", 1, "work", UNTIL, "quota"))
    qtbot.waitUntil(lambda: len(shown) == 1, timeout=2000)
    assert shown[0].title == "Quota used up: openai/work"


def test_second_launch_asks_the_first_to_show(qtbot, tmp_path: Path):
    name = server_name(str(tmp_path))
    assert name == server_name(str(tmp_path)) and name != server_name(str(tmp_path / "other"))
    assert not ask_running_instance(name)
    first = SingleInstance(name)
    try:
        assert first.listen()
        with qtbot.waitSignal(first.show_requested, timeout=3000):
            assert ask_running_instance(name)
    finally:
        first.close()
    assert not ask_running_instance(name)


def test_wizard_creates_a_key_and_adds_a_provider(qtbot, fake_runtime: FakeRuntime, tmp_path: Path):
    wizard = FirstRunWizard(fake_runtime, home=tmp_path / "home")
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    step = wizard.key_step
    step.create_key()
    assert step.key and step.key_field.text() == step.key
    assert "shown only once" in step.note.text()
    names = [k.name for k in fake_runtime.admin().list_keys()]
    assert names == ["my-tools"]
    step.key_field.clear()  # no key in the screenshot
    shoot(wizard, "wizard-key", tmp_path)
    wizard.next()
    provider = wizard.provider_step
    provider.choose("deepseek")
    provider.add()
    assert provider.note.text() == "DeepSeek needs an API key."
    provider.key_edit.setText("sk-deepseek-123456")
    provider.add()
    assert provider.added == "deepseek"
    assert [s.provider.id for s in fake_runtime.admin().list_providers()] == ["deepseek"]
    shoot(wizard, "wizard-provider", tmp_path)
    wizard.next()
    tools = wizard.tool_step
    tools.configure("codex")
    assert tools.configured == ["codex"], tools.note.text()
    assert "Codex now uses VansRoute" in tools.note.text()
    shoot(wizard, "wizard-tool", tmp_path)
    wizard.next()
    assert "http://127.0.0.1:20127" in wizard.done_step.text.text()


async def test_first_run_shows_the_wizard_once(qtbot, tmp_path: Path, autostart: Autostart):
    runtime = FakeRuntime(providers=0, api_keys=0, accounts=0)
    try:
        shell = DesktopShell(runtime, app_icon(), autostart=autostart)
        task = spawn(shell.run(), name="shell")
        await asyncio.wait_for(runtime.started.wait(), timeout=5)
        await asyncio.sleep(0.05)
        assert shell.wizard is not None and shell.wizard.isVisible()
        shell.wizard.reject()
        await asyncio.sleep(0.05)
        assert shell.prefs.prefs.wizard_done
        shell.request_stop()
        assert await asyncio.wait_for(task, timeout=5) == 0
        # Next start: no wizard.
        again = DesktopShell(runtime, app_icon(), autostart=autostart)
        task = spawn(again.run(), name="shell-2")
        await asyncio.sleep(0.2)
        assert again.wizard is None
        again.request_stop()
        assert await asyncio.wait_for(task, timeout=5) == 0
    finally:
        runtime.close()
