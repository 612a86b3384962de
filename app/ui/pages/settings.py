"""Settings: where the gateway listens, how it tunes its resilience, notifications, logging, login start."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.services.autostart import Autostart
from app.services.tuning import Tunable
from app.ui.bridge import EventBridge
from app.ui.jobs import run_blocking
from app.ui.notices import KIND_LABELS, NoticeKind
from app.ui.pages.page import Page
from app.ui.ports import DesktopPort
from app.ui.prefs import LOG_LEVELS, DesktopPrefs, PrefsFile


def _value_text(spec: Tunable, value: float) -> str:
    return str(int(value)) if spec.integer else f"{value:g}"


class SettingsPage(Page):
    title = "Settings"
    blurb = "Resilience and timeout values are read when the gateway starts: restart VansRoute after changing them."

    def __init__(
        self,
        services: DesktopPort,
        bridge: EventBridge,
        prefs: PrefsFile,
        autostart: Autostart,
        on_prefs: Callable[[DesktopPrefs], None] = lambda _p: None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._prefs = prefs
        self._autostart = autostart
        self._on_prefs = on_prefs
        self._edits: dict[str, QLineEdit] = {}
        self._loaded: dict[str, str] = {}

        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        body = QWidget(scroll)
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 8, 0)
        column.setSpacing(14)
        scroll.setWidget(body)
        self.layout_.addWidget(scroll, 1)

        # -- gateway --------------------------------------------------------------------------------
        gateway = QGroupBox("Gateway", body)
        form = QFormLayout(gateway)
        self.address_label = QLabel(services.status().url, gateway)
        self.address_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("Address", self.address_label)
        self.port_label = QLabel(
            f"{services.config.port}  (change with <code>vansroute serve --port N</code>)", gateway
        )
        form.addRow("Port", self.port_label)
        form.addRow("Authentication", QLabel("every request needs a VansRoute key (see Keys)", gateway))
        folder_row = QHBoxLayout()
        self.data_dir_label = QLabel(str(services.config.data_dir), gateway)
        self.data_dir_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        open_folder = QPushButton("Open", gateway)
        open_folder.setAutoDefault(False)
        open_folder.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(services.config.data_dir)))
        )
        folder_row.addWidget(self.data_dir_label, 1)
        folder_row.addWidget(open_folder)
        form.addRow("Data folder", folder_row)
        self.log_level = QComboBox(gateway)
        self.log_level.addItems(LOG_LEVELS)
        self.log_level.setCurrentText(
            prefs.prefs.log_level or logging.getLevelName(logging.getLogger().level)
        )
        self.log_level.currentTextChanged.connect(self.set_log_level)
        form.addRow("Log level", self.log_level)
        self.autostart_box = QCheckBox("Start VansRoute when I log in", gateway)
        self.autostart_box.setToolTip(autostart.location)
        self.autostart_box.setChecked(_safe_enabled(autostart))
        self.autostart_box.toggled.connect(self.set_autostart)
        form.addRow("", self.autostart_box)
        column.addWidget(gateway)

        # -- tunables -------------------------------------------------------------------------------
        self.tuning_box = QGroupBox("Resilience and timeouts", body)
        self.tuning_form = QFormLayout(self.tuning_box)
        column.addWidget(self.tuning_box)
        save_row = QHBoxLayout()
        save_row.addStretch(1)
        self.save_button = QPushButton("Save changes", body)
        self.save_button.clicked.connect(self.save_tuning)
        save_row.addWidget(self.save_button)
        column.addLayout(save_row)

        # -- notifications --------------------------------------------------------------------------
        notify = QGroupBox("Notifications", body)
        notify_layout = QVBoxLayout(notify)
        self.notice_boxes: dict[NoticeKind, QCheckBox] = {}
        for kind, label in KIND_LABELS.items():
            box = QCheckBox(label, notify)
            box.setChecked(kind not in prefs.prefs.notifications_off)
            box.toggled.connect(self._notifications_changed)
            notify_layout.addWidget(box)
            self.notice_boxes[kind] = box
        column.addWidget(notify)
        column.addStretch(1)
        if prefs.problem:
            self.show_error(prefs.problem)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.address_label.setText(self._services.status().url)
        self.reload()

    # -- tunables ----------------------------------------------------------------------------------

    def reload(self) -> None:
        try:
            admin = self._services.admin()
        except RuntimeError:
            return
        run_blocking(self, admin.settings, self._show_settings, self.show_error, name="ui-settings")

    def _show_settings(self, rows: tuple[tuple[Tunable, float, str], ...]) -> None:
        while self.tuning_form.rowCount():
            self.tuning_form.removeRow(0)
        self._edits.clear()
        self._loaded.clear()
        for spec, value, source in rows:
            edit = QLineEdit(_value_text(spec, value), self.tuning_box)
            edit.setObjectName(spec.name)
            edit.setMaximumWidth(120)
            hint = QLabel(spec.help + ("" if source == "default" else f"  ({source})"), self.tuning_box)
            hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
            if source == "env":
                edit.setEnabled(False)
                edit.setToolTip(f"Set by the environment variable {spec.env}")
            line = QHBoxLayout()
            line.addWidget(edit)
            line.addWidget(hint, 1)
            self.tuning_form.addRow(spec.name, line)
            self._edits[spec.name] = edit
            self._loaded[spec.name] = edit.text()

    def edit_for(self, name: str) -> QLineEdit:
        return self._edits[name]

    def save_tuning(self) -> None:
        changed = {n: e.text().strip() for n, e in self._edits.items() if e.text().strip() != self._loaded[n]}
        if not changed:
            self.show_info("Nothing changed.")
            return
        admin = self._services.admin()

        def save() -> int:
            for name, raw in changed.items():
                if raw:
                    admin.set_setting(name, raw)
                else:
                    admin.unset_setting(name)
            return len(changed)

        def saved(count: int) -> None:
            self.show_info(f"Saved {count} setting{'s' if count != 1 else ''}. Restart VansRoute to apply.")
            self.reload()

        run_blocking(self, save, saved, self.show_error, name="ui-save-settings")

    # -- preferences -------------------------------------------------------------------------------

    def set_log_level(self, level: str) -> None:
        logging.getLogger().setLevel(level)
        self._save_prefs(log_level=level)

    def set_autostart(self, on: bool) -> None:
        try:
            self._autostart.set_enabled(on)
        except OSError as exc:
            self.show_error(f"Could not change start at login: {exc}")
            self.autostart_box.blockSignals(True)
            self.autostart_box.setChecked(not on)
            self.autostart_box.blockSignals(False)

    def _notifications_changed(self, _on: bool) -> None:
        off = frozenset(k for k, box in self.notice_boxes.items() if not box.isChecked())
        self._save_prefs(notifications_off=off)

    def _save_prefs(self, **changes: object) -> None:
        try:
            prefs = self._prefs.update(**changes)
        except Exception as exc:
            self.show_error(exc)
            return
        self._on_prefs(prefs)


def _safe_enabled(autostart: Autostart) -> bool:
    try:
        return autostart.enabled()
    except OSError:
        return False
