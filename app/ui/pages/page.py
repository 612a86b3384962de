"""What every page has: a title, a one-line explanation, and an inline message banner.

Errors are shown in the banner, not in modal dialogs: a calm window, nothing to click away, and
a service's error text (written for people) is shown as is.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.core.errors import VansRouteError

_log = logging.getLogger(__name__)

_BANNER_STYLES = {
    "error": "background:#fbe9e7; color:#8c1d18; border:1px solid #f2b8b5; border-radius:6px; padding:8px;",
    "info": "background:#e7f3ef; color:#1d5c45; border:1px solid #b5dccd; border-radius:6px; padding:8px;",
}


def describe_error(exc: BaseException) -> str:
    """Our errors carry a message for people; anything else is a bug: name it, log the details."""
    if isinstance(exc, VansRouteError):
        return str(exc)
    _log.error("unexpected error in the desktop app", exc_info=exc)
    return f"Something went wrong ({type(exc).__name__}); details are in the log."


class Page(QWidget):
    title = ""
    blurb = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"page-{self.title.lower()}")
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(22, 18, 22, 18)
        self.layout_.setSpacing(12)
        heading = QLabel(self.title, self)
        font = QFont(heading.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setWeight(QFont.Weight.DemiBold)
        heading.setFont(font)
        self.layout_.addWidget(heading)
        if self.blurb:
            blurb = QLabel(self.blurb, self)
            blurb.setWordWrap(True)
            blurb.setForegroundRole(QPalette.ColorRole.PlaceholderText)
            self.layout_.addWidget(blurb)

        self.banner = QWidget(self)
        row = QHBoxLayout(self.banner)
        row.setContentsMargins(0, 0, 0, 0)
        self.banner_label = QLabel(self.banner)
        self.banner_label.setWordWrap(True)
        self.banner_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        dismiss = QPushButton("Dismiss", self.banner)
        dismiss.setAutoDefault(False)
        dismiss.clicked.connect(self.clear_message)
        row.addWidget(self.banner_label, 1)
        row.addWidget(dismiss, 0)
        self.banner.hide()
        self.layout_.addWidget(self.banner)

    def show_error(self, exc_or_text: BaseException | str) -> None:
        text = exc_or_text if isinstance(exc_or_text, str) else describe_error(exc_or_text)
        self._banner(text, "error")

    def show_info(self, text: str) -> None:
        self._banner(text, "info")

    def clear_message(self) -> None:
        self.banner.hide()
        self.banner_label.clear()

    def message(self) -> str:
        return self.banner_label.text() if self.banner.isVisible() or self.banner_label.text() else ""

    def _banner(self, text: str, kind: str) -> None:
        self.banner_label.setText(text)
        self.banner_label.setStyleSheet(_BANNER_STYLES[kind])
        self.banner.show()
