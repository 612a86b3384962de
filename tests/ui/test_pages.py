"""The main window's pages against fake services (a real AdminService on SQLite with an in-memory
secret store, a scripted resilience state). Each page also leaves a screenshot in
$VANSROUTE_SCREENSHOT_DIR (docs/screenshots when producing the docs)."""

from __future__ import annotations

import asyncio
import os
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from app.core.events import QuotaParked
from app.services.admin import KeySource
from app.services.autostart import Autostart
from app.services.status import BreakerStatus, CooldownStatus, ResilienceStatus, SlotStatus
from app.ui.bridge import EventBridge
from app.ui.icons import app_icon
from app.ui.main_window import PAGES, MainWindow, PageDeps
from app.ui.notices import NoticeKind
from app.ui.pages.keys import KeysPage, keys_model
from app.ui.pages.logs import LogsPage, read_tail
from app.ui.pages.providers import ProvidersPage, accounts_model, catalog_model
from app.ui.pages.resilience import (
    ResiliencePage,
    breakers_model,
    cooldowns_model,
    parked_model,
    slots_model,
)
from app.ui.pages.settings import SettingsPage
from app.ui.prefs import FILE_NAME, PrefsFile
from tests.ui.fake_runtime import FakeRuntime

SECRET = "sk-test-0123456789abcdef"
UNTIL = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


def shoot(widget: QWidget, name: str, tmp_path: Path) -> Path:
    out = Path(os.environ.get("VANSROUTE_SCREENSHOT_DIR", tmp_path)) / f"{name}.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    # Widgets added to a shown layout appear on the next event-loop turn.
    for _ in range(3):
        QApplication.processEvents()
    assert widget.grab().save(str(out))
    assert out.stat().st_size > 5_000, f"{out} looks empty"
    return out


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


def seeded(runtime: FakeRuntime) -> FakeRuntime:
    admin = runtime.admin()
    admin.add_known_provider("anthropic", key=KeySource(SECRET), label="work")
    admin.add_account("anthropic", key=KeySource(SECRET + "2"), label="personal")
    admin.add_known_provider("openai", key=KeySource(SECRET + "3"), proxy_url="http://user:pw@proxy.lan:3128")
    admin.add_known_provider("groq", key=KeySource(SECRET + "4"))
    admin.create_key("claude-code")
    admin.create_key("laptop")
    admin.revoke_key("laptop")
    return runtime


def live_state() -> ResilienceStatus:
    return ResilienceStatus(
        breakers=(
            BreakerStatus("anthropic:direct", "closed", 0, None),
            BreakerStatus("groq:direct", "open", 5, 27.4),
            BreakerStatus("openai:3f2a9c0d1b7e", "degraded", 3, None),
        ),
        slots=(
            SlotStatus("anthropic:1:direct", 4, 3, 0),
            SlotStatus("anthropic:2:direct", 4, 4, 2),
            SlotStatus("openai:3:3f2a9c0d1b7e", 4, 1, 0),
        ),
        cooldowns=(CooldownStatus("anthropic:2:direct", "claude-sonnet-4-5", "rate_limited", 42.0, 1),),
    )


# -- models ------------------------------------------------------------------------------------------


def test_models_pass_qtmodeltester(qtmodeltester, fake_runtime: FakeRuntime):
    admin = seeded(fake_runtime).admin()
    catalog = catalog_model()
    catalog.set_rows(admin.catalog().providers)
    qtmodeltester.check(catalog)
    keys = keys_model()
    keys.set_rows(admin.list_keys())
    qtmodeltester.check(keys)
    from app.ui.pages.providers import AccountRow

    accounts = accounts_model()
    accounts.set_rows(
        [AccountRow(s.provider, a, "working (12 ms)") for s in admin.list_providers() for a in s.accounts]
    )
    qtmodeltester.check(accounts)
    state = live_state()
    for model, rows in (
        (breakers_model(), state.breakers),
        (slots_model(), state.slots),
        (cooldowns_model(), state.cooldowns),
    ):
        model.set_rows(rows)
        qtmodeltester.check(model)
    parked = parked_model()
    parked.set_rows(admin.list_accounts())
    qtmodeltester.check(parked)
    empty = keys_model()
    qtmodeltester.check(empty)


def test_same_rows_update_in_place_and_new_rows_reset(qtbot):
    model = breakers_model()
    model.set_rows(live_state().breakers)
    resets: list[int] = []
    changes: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    model.dataChanged.connect(lambda *_: changes.append(1))
    ticked = tuple(
        BreakerStatus(b.key, b.state, b.failures, b.retry_in_s and b.retry_in_s - 1)
        for b in live_state().breakers
    )
    model.set_rows(ticked)
    assert (resets, changes) == ([], [1])
    model.set_rows(ticked[:2])
    assert resets == [1]


# -- Providers -----------------------------------------------------------------------------------------


def _providers(qtbot, runtime: FakeRuntime, bridge: EventBridge) -> ProvidersPage:
    page = ProvidersPage(runtime, bridge)
    qtbot.addWidget(page)
    page.resize(1000, 640)
    page.show()
    qtbot.waitExposed(page)
    return page


def test_providers_page_browses_the_catalogue_and_adds_an_account(qtbot, fake_runtime, bridge):
    page = _providers(qtbot, fake_runtime, bridge)
    assert page.catalog_filter.rowCount() == len(fake_runtime.admin().catalog())
    page.search.setText("deepseek")
    assert page.catalog_filter.rowCount() == 1
    page.search.clear()

    page.choose("anthropic")
    assert "Anthropic" in page.chosen_label.text()
    page.key_edit.setText(SECRET)
    page.label_edit.setText("work")
    page.add_button.click()
    assert page.message() == "Added Anthropic with account 'work'."
    assert page.key_edit.text() == ""  # the key does not linger in the form
    rows = page.accounts.rows()
    assert [(r.provider.id, r.account.label) for r in rows] == [("anthropic", "work")]
    # The key went to the secret store; the table shows nothing of it.
    assert fake_runtime.secrets.get(rows[0].account.secret_ref) == SECRET
    shown = [page.accounts.index(0, c).data() for c in range(page.accounts.columnCount())]
    assert not any(SECRET in str(v) for v in shown)

    # A second account on the same provider.
    page.choose("anthropic")
    page.key_edit.setText(SECRET + "x")
    page.proxy_edit.setText("socks5://me:hunter2@10.0.0.2:1080")
    page.add_button.click()
    assert page.message() == "Added account 'account-2' to Anthropic."
    proxies = [page.accounts.index(i, 3).data() for i in range(page.accounts.rowCount())]
    assert proxies == ["direct", "socks5://10.0.0.2:1080"]  # no password on screen


def test_providers_page_says_what_is_wrong(qtbot, fake_runtime, bridge):
    page = _providers(qtbot, fake_runtime, bridge)
    page.choose("openai")
    page.add_button.click()
    assert page.message() == "OpenAI needs an API key."
    page.key_edit.setText(SECRET)
    page.proxy_edit.setText("ftp://nope")
    page.add_button.click()
    assert "proxy" in page.message().lower()
    assert page.accounts.rowCount() == 0


def test_accounts_can_be_disabled_and_enabled(qtbot, fake_runtime, bridge):
    page = _providers(qtbot, seeded(fake_runtime), bridge)
    assert page.accounts.rowCount() == 4
    page.accounts_view.selectRow(0)
    assert page.toggle_button.text() == "Disable"
    page.toggle_button.click()
    assert page.accounts.record(0).account.enabled is False
    assert page.accounts.index(0, 4).data() == "off: disabled by the user"
    page.accounts_view.selectRow(0)
    assert page.toggle_button.text() == "Enable"
    page.toggle_button.click()
    assert page.accounts.record(0).account.enabled is True


async def test_test_connection_reports_an_unreachable_provider(qtbot, fake_runtime, bridge):
    # A port nobody listens on: the real connection test, through the real transport.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    fake_runtime.admin().add_known_provider(
        "openai", key=KeySource(SECRET), base_url=f"http://127.0.0.1:{port}/v1"
    )
    page = ProvidersPage(fake_runtime, bridge)
    page.show()  # lists the accounts in an executor: the loop is running here
    for _ in range(100):
        if page.accounts.rowCount():
            break
        await asyncio.sleep(0.05)
    page.accounts_view.selectRow(0)
    page.test_button.click()
    account_id = page.accounts.record(0).account.id
    assert page.test_text(account_id) == "testing…"
    for _ in range(200):
        if page.test_text(account_id) != "testing…":
            break
        await asyncio.sleep(0.05)
    assert page.test_text(account_id).startswith("unreachable"), page.test_text(account_id)
    assert page.accounts.index(0, 5).data().startswith("unreachable")
    page.close()
    page.deleteLater()


def test_providers_screenshot(qtbot, fake_runtime, bridge, tmp_path):
    page = _providers(qtbot, seeded(fake_runtime), bridge)
    page.resize(1100, 860)
    page.accounts_view.selectRow(3)  # OpenAI: its models and prices show in the middle
    page.choose("deepseek")
    shoot(page, "page-providers", tmp_path)


# -- Keys ------------------------------------------------------------------------------------------------


def _keys(qtbot, runtime: FakeRuntime, bridge: EventBridge) -> KeysPage:
    page = KeysPage(runtime, bridge)
    qtbot.addWidget(page)
    page.resize(900, 720)
    page.show()
    qtbot.waitExposed(page)
    return page


def test_a_new_key_is_shown_once_and_can_be_copied(qtbot, fake_runtime, bridge):
    page = _keys(qtbot, fake_runtime, bridge)
    page.name_edit.setText("claude-code")
    page.create_button.click()
    assert page.reveal.isVisible()
    key = page.key_field.text()
    assert key.startswith(page.model.record(0).prefix)
    assert "only time it is shown" in page.reveal_label.text()
    page.copy_button.click()
    assert QGuiApplication.clipboard().text() == key
    assert page.copy_button.text() == "Copied"
    page.done_button.click()
    assert not page.reveal.isVisible() and page.key_field.text() == ""
    # The list shows the prefix only.
    cells = [page.model.index(0, c).data() for c in range(page.model.columnCount())]
    assert (
        cells[0] == "claude-code"
        and cells[1] == key[:8] + "…"
        and cells[4] == "no limits"
        and cells[5] == "active"
    )
    assert key not in str(cells)


def test_keys_need_a_name_and_unique_names(qtbot, fake_runtime, bridge):
    page = _keys(qtbot, fake_runtime, bridge)
    page.create_button.click()
    assert page.message().startswith("Give the key a name")
    page.name_edit.setText("laptop")
    page.create_button.click()
    page.done_button.click()
    page.name_edit.setText("laptop")
    page.create_button.click()
    assert "already" in page.message()
    assert not page.reveal.isVisible()


def test_revoking_asks_first(qtbot, fake_runtime, bridge):
    page = _keys(qtbot, seeded(fake_runtime), bridge)
    asked: list[str] = []
    page.confirm = lambda q: asked.append(q) or False
    page.view.selectRow(0)
    assert page.model.record(0).name == "claude-code" and page.revoke_button.isEnabled()
    page.revoke_button.click()
    assert asked and "claude-code" in asked[0]
    assert not page.model.record(0).revoked
    page.confirm = lambda q: True
    page.revoke_button.click()
    assert page.message() == "Key 'claude-code' revoked."
    assert all(k.revoked for k in page.model.rows())


def test_key_limits_are_shown_and_saved(qtbot, fake_runtime, bridge):
    page = _keys(qtbot, seeded(fake_runtime), bridge)
    assert not page.limits_box.isEnabled()
    page.view.selectRow(0)  # claude-code, no limits
    assert page.limits_box.isEnabled()
    assert page.limit_edits["providers"].text() == "all"
    assert page.limit_edits["monthly_budget_usd"].text() == "none"
    assert page.spend_label.text() == "$0.00"
    page.limit_edits["providers"].setText("anthropic, openai")
    page.limit_edits["requests_per_minute"].setText("60")
    page.limit_edits["monthly_budget_usd"].setText("25")
    page.save_limits_button.click()
    record = fake_runtime.admin().get_key("claude-code")
    assert record.limits.providers.names == frozenset({"anthropic", "openai"})
    assert record.limits.requests_per_minute == 60
    assert record.limits.monthly_budget_usd == 25.0
    assert record.limits.combos.is_everything  # untouched parts stay
    assert page.message() == (
        "Limits of 'claude-code' saved: providers: anthropic, openai · 60/min · $25.00/month."
    )
    assert page.model.index(0, 4).data() == "providers: anthropic, openai · 60/min · $25.00/month"
    assert page.spend_label.text() == "$0.00 of $25.00"
    # The services check what is typed; the message is shown as is.
    page.limit_edits["max_concurrent"].setText("lots")
    page.save_limits_button.click()
    assert "whole number" in page.message()
    assert fake_runtime.admin().get_key("claude-code").limits.max_concurrent is None


def test_a_revoked_key_has_no_limits_to_edit(qtbot, fake_runtime, bridge):
    page = _keys(qtbot, seeded(fake_runtime), bridge)
    page.view.selectRow([k.name for k in page.model.rows()].index("laptop"))
    assert not page.limits_box.isEnabled()


def test_keys_screenshot(qtbot, fake_runtime, bridge, tmp_path):
    admin = seeded(fake_runtime).admin()
    from app.services.key_limits import LimitChanges

    admin.update_key("claude-code", LimitChanges(providers="anthropic,openai", monthly_budget_usd="25"))
    page = _keys(qtbot, fake_runtime, bridge)
    page.resize(900, 720)
    page.view.selectRow(0)
    shoot(page, "page-keys", tmp_path)


# -- Resilience ------------------------------------------------------------------------------------------


def _resilience(qtbot, runtime: FakeRuntime, bridge: EventBridge) -> ResiliencePage:
    page = ResiliencePage(runtime, bridge)
    qtbot.addWidget(page)
    page.resize(1100, 620)
    page.show()
    qtbot.waitExposed(page)
    return page


def _park(runtime: FakeRuntime, provider: str, label: str) -> int:
    account = next(a for a in runtime.admin().list_accounts(provider) if a.label == label)
    runtime.admin()._store.accounts.park(account.id, UNTIL, "quota exhausted")
    runtime.bus.publish(QuotaParked(provider, account.id, label, UNTIL, "quota exhausted"))
    return account.id


def test_resilience_page_shows_live_state(qtbot, fake_runtime, bridge):
    fake_runtime.resilience_status = live_state()
    page = _resilience(qtbot, seeded(fake_runtime), bridge)
    rows = [[page.breakers.index(r, c).data() for c in range(5)] for r in range(page.breakers.rowCount())]
    assert rows[0] == ["groq", "direct", "open", "5", "27 s"]  # open first
    assert rows[1][:3] == ["openai", "proxy 3f2a9c0d1b7e", "degraded"]
    assert page.slots.index(1, 1).data() == "4 / 4" and page.slots.index(1, 2).data() == "2"
    assert page.cooldowns.index(0, 2).data() == "rate limited"
    assert page.cooldowns.index(0, 3).data() == "42 s"
    assert page.parked.rowCount() == 0


def test_parked_accounts_appear_on_the_event_and_can_be_reactivated(qtbot, fake_runtime, bridge):
    page = _resilience(qtbot, seeded(fake_runtime), bridge)
    account_id = _park(fake_runtime, "anthropic", "work")
    assert [a.id for a in page.parked.rows()] == [account_id]
    assert page.parked.index(0, 0).data() == "anthropic/work"
    assert page.parked.index(0, 1).data() == "parked (quota used up)"
    assert page.parked.index(0, 2).data() == UNTIL.astimezone().strftime("%Y-%m-%d %H:%M")
    page.parked_view.selectRow(0)
    page.reactivate_button.click()
    assert page.message() == "anthropic/work is back in routing."
    assert page.parked.rowCount() == 0


def test_reset_breaker(qtbot, fake_runtime, bridge):
    fake_runtime.resilience_status = live_state()
    page = _resilience(qtbot, fake_runtime, bridge)
    page.breakers_view.selectRow(0)
    assert page.reset_button.isEnabled()
    page.reset_button.click()
    assert fake_runtime.reset_calls == ["groq:direct"]
    assert page.message() == "Breaker for groq reset."
    assert "groq:direct" not in [b.key for b in page.breakers.rows()]
    # A closed breaker has nothing to reset.
    page.breakers_view.selectRow([b.state for b in page.breakers.rows()].index("closed"))
    assert not page.reset_button.isEnabled()


def test_resilience_ticks_only_while_visible(qtbot, fake_runtime, bridge):
    page = _resilience(qtbot, fake_runtime, bridge)
    assert page.timer.isActive()
    page.hide()
    assert not page.timer.isActive()


def test_resilience_screenshot(qtbot, fake_runtime, bridge, tmp_path):
    fake_runtime.resilience_status = live_state()
    page = _resilience(qtbot, seeded(fake_runtime), bridge)
    _park(fake_runtime, "anthropic", "personal")
    shoot(page, "page-resilience", tmp_path)


# -- Settings --------------------------------------------------------------------------------------------


def _settings(qtbot, runtime, bridge, autostart, seen=None) -> SettingsPage:
    prefs = PrefsFile(runtime.config.data_dir / FILE_NAME)
    page = SettingsPage(
        runtime, bridge, prefs, autostart, (seen.append if seen is not None else lambda _p: None)
    )
    qtbot.addWidget(page)
    page.resize(900, 700)
    page.show()
    qtbot.waitExposed(page)
    return page


def test_settings_list_tunables_and_save_changes(qtbot, fake_runtime, bridge, autostart):
    page = _settings(qtbot, fake_runtime, bridge, autostart)
    edit = page.edit_for("breaker.failure_threshold")
    assert edit.text() == "5"
    edit.setText("7")
    page.save_button.click()
    assert page.message() == "Saved 1 setting. Restart VansRoute to apply."
    values = {spec.name: (value, source) for spec, value, source in fake_runtime.admin().settings()}
    assert values["breaker.failure_threshold"] == (7.0, "set")
    page.edit_for("timeouts.connect_s").setText("fast")
    page.save_button.click()
    assert "must be a number" in page.message()


def test_notification_switches_and_log_level_are_saved(qtbot, fake_runtime, bridge, autostart):
    import logging

    seen: list = []
    page = _settings(qtbot, fake_runtime, bridge, autostart, seen)
    page.notice_boxes[NoticeKind.BREAKER_CLOSED].setChecked(False)
    assert seen[-1].notifications_off == frozenset({NoticeKind.BREAKER_CLOSED})
    before = logging.getLogger().level
    try:
        page.log_level.setCurrentText("DEBUG")
        assert logging.getLogger().level == logging.DEBUG
    finally:
        logging.getLogger().setLevel(before)
    reread = PrefsFile(fake_runtime.config.data_dir / FILE_NAME).prefs
    assert reread.notifications_off == frozenset({NoticeKind.BREAKER_CLOSED})
    assert reread.log_level == "DEBUG"


def test_start_at_login_writes_the_autostart_file(qtbot, fake_runtime, bridge, autostart, tmp_path):
    page = _settings(qtbot, fake_runtime, bridge, autostart)
    assert not page.autostart_box.isChecked()
    page.autostart_box.setChecked(True)
    entry = tmp_path / "home" / ".config" / "autostart" / "vansroute.desktop"
    assert "Exec=/usr/bin/vansroute serve" in entry.read_text()
    page.autostart_box.setChecked(False)
    assert not entry.exists()


def test_an_unreadable_prefs_file_is_reported_and_left_alone(qtbot, fake_runtime, bridge, autostart):
    path = fake_runtime.config.data_dir / FILE_NAME
    path.write_text("log_level = [unclosed\n")
    page = _settings(qtbot, fake_runtime, bridge, autostart)
    assert "is not valid" in page.message()
    page.notice_boxes[NoticeKind.BREAKER_CLOSED].setChecked(False)
    assert "not saving preferences" in page.message()
    assert path.read_text() == "log_level = [unclosed\n"


def test_settings_screenshot(qtbot, fake_runtime, bridge, autostart, tmp_path):
    page = _settings(qtbot, fake_runtime, bridge, autostart)
    shoot(page, "page-settings", tmp_path)


# -- Logs ------------------------------------------------------------------------------------------------


def test_logs_page_shows_the_tail(qtbot, fake_runtime, tmp_path):
    log = fake_runtime.config.log_file
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("".join(f"2026-11-25 12:00:{i % 60:02d} INFO app: line {i}\n" for i in range(20)))
    page = LogsPage(log)
    qtbot.addWidget(page)
    page.resize(900, 500)
    page.show()
    qtbot.waitExposed(page)
    assert page.text.toPlainText().splitlines()[-1].endswith("line 19")
    with log.open("a") as f:
        f.write("2026-11-25 12:01:00 WARNING app.routing: groq failed, trying the next candidate\n")
    page.reload()
    assert page.text.toPlainText().splitlines()[-1].endswith("trying the next candidate")
    shoot(page, "page-logs", tmp_path)


def test_read_tail_starts_at_a_line(tmp_path: Path):
    path = tmp_path / "x.log"
    path.write_text("aaaa\nbbbb\ncccc\n")
    assert read_tail(path, limit=7) == "cccc\n"
    assert read_tail(tmp_path / "missing.log") == ""


# -- the window ------------------------------------------------------------------------------------------


def test_main_window_lists_every_page_and_switches(qtbot, fake_runtime, bridge, autostart, tmp_path):
    prefs = PrefsFile(fake_runtime.config.data_dir / FILE_NAME)
    window = MainWindow(PageDeps(seeded(fake_runtime), bridge, prefs, autostart, app_icon(), lambda _p: None))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.page_names() == [name for name, _ in PAGES]
    assert window.page_names() == [
        "Status",
        "Providers",
        "Keys",
        "Combos",
        "Usage",
        "Resilience",
        "Clients",
        "Settings",
        "Logs",
    ]
    keys = window.show_page("Keys")
    assert window.stack.currentWidget() is keys and window.current_page_name() == "Keys"
    shoot(window, "main-window", tmp_path)
    window.show_page("Status")
    closed: list[int] = []
    window.closed.connect(lambda: closed.append(1))
    window.close()
    assert closed == [1] and not window.isVisible()


def test_prefs_keep_the_start_up_log_level_until_one_is_chosen(tmp_path: Path):
    path = tmp_path / FILE_NAME
    prefs = PrefsFile(path)
    assert prefs.prefs.log_level is None and prefs.problem is None
    prefs.update(wizard_done=True)
    assert "log_level" not in path.read_text()
    again = PrefsFile(path)
    assert again.prefs.wizard_done and again.prefs.log_level is None
    again.update(log_level="WARNING", notifications_off=frozenset({NoticeKind.COMBO_EXHAUSTED}))
    third = PrefsFile(path).prefs
    assert third.log_level == "WARNING"
    assert third.notifications_off == frozenset({NoticeKind.COMBO_EXHAUSTED})
    path.write_text('log_level = "LOUD"\n')
    broken = PrefsFile(path)
    assert broken.problem is not None and "log_level must be one of" in broken.problem
