"""Logs: the end of the log file, following it while the page is shown (secrets are redacted when
lines are written, see app/core/redact.py)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QUrl
from PySide6.QtGui import QDesktopServices, QFont, QFontDatabase, QShowEvent, QTextCursor
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QPlainTextEdit, QPushButton, QWidget

from app.ui.coalesce import Coalescer
from app.ui.pages.page import Page

TAIL_BYTES = 128 * 1024
MAX_LINES = 3000


def read_tail(path: Path, limit: int = TAIL_BYTES) -> str:
    """The last ``limit`` bytes of a file, starting at a line boundary; "" if there is no file."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, 2)
            size = handle.tell()
            start = max(0, size - limit)
            handle.seek(start)
            data = handle.read()
    except FileNotFoundError:
        return ""
    if start > 0:
        data = data.split(b"\n", 1)[1] if b"\n" in data else b""
    return data.decode("utf-8", errors="replace")


class LogsPage(Page):
    title = "Logs"
    blurb = "The most recent lines of the log. Keys and passwords are never written to it."

    def __init__(self, log_file: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.log_file = log_file
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setMaximumBlockCount(MAX_LINES)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.text.setFont(mono)
        self.layout_.addWidget(self.text, 1)
        row = QHBoxLayout()
        self.follow = QCheckBox("Follow new lines", self)
        self.follow.setChecked(True)
        refresh = QPushButton("Refresh", self)
        refresh.setAutoDefault(False)
        refresh.clicked.connect(self.reload)
        open_file = QPushButton("Open log file", self)
        open_file.setAutoDefault(False)
        open_file.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.log_file))))
        row.addWidget(self.follow)
        row.addStretch(1)
        row.addWidget(refresh)
        row.addWidget(open_file)
        self.layout_.addLayout(row)
        self._watcher = QFileSystemWatcher(self)
        self._changed = Coalescer(self._on_file_changed, self, interval_ms=300)
        self._watcher.fileChanged.connect(self._changed.poke)

    def reload(self) -> None:
        text = read_tail(self.log_file)
        self.text.setPlainText(text if text else f"No log yet at {self.log_file}.")
        self.text.moveCursor(QTextCursor.MoveOperation.End)
        path = str(self.log_file)
        if self.log_file.exists() and path not in self._watcher.files():
            self._watcher.addPath(path)

    def _on_file_changed(self) -> None:
        if self.isVisible() and self.follow.isChecked():
            self.reload()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.reload()
