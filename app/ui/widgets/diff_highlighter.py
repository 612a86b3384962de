"""Colours for a unified diff: added lines green, removed lines red, file and hunk headers muted."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument


def _format(colour: str, *, bold: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(colour))
    if bold:
        fmt.setFontWeight(QFont.Weight.Bold)
    return fmt


class DiffHighlighter(QSyntaxHighlighter):
    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self._header = _format("#5f6368", bold=True)
        self._hunk = _format("#6b4fa0")
        self._added = _format("#1e7a46")
        self._removed = _format("#b3261e")

    def highlightBlock(self, text: str) -> None:
        if text.startswith(("+++", "---")):
            fmt = self._header
        elif text.startswith("@@"):
            fmt = self._hunk
        elif text.startswith("+"):
            fmt = self._added
        elif text.startswith("-"):
            fmt = self._removed
        else:
            return
        self.setFormat(0, len(text), fmt)
