"""The app icon: loaded from a file when one is given, otherwise drawn with QPainter."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

_log = logging.getLogger(__name__)

ICON_SIZES = (16, 20, 22, 24, 32, 40, 48, 64, 128, 256)
BRAND = QColor("#2f6f73")  # calm teal
BRAND_DARK = QColor("#245659")


def render_icon(size: int = 256) -> QPixmap:
    """A rounded square in the brand colour with a white "V"."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        margin = size * 0.06
        rect = QRectF(margin, margin, size - 2 * margin, size - 2 * margin)
        radius = rect.width() * 0.22
        path = QPainterPath()
        path.addRoundedRect(rect, radius, radius)
        painter.fillPath(path, BRAND)
        if size >= 32:
            painter.setPen(QPen(BRAND_DARK, max(1.0, size / 64)))
            painter.drawPath(path)

        # The "V" as two strokes rather than a font glyph: crisp at 16 px and identical everywhere.
        pen = QPen(QColor("white"), max(1.6, size * 0.12))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        left, right = rect.left() + rect.width() * 0.28, rect.right() - rect.width() * 0.28
        top, bottom = rect.top() + rect.height() * 0.28, rect.bottom() - rect.height() * 0.26
        mid = rect.center().x()
        v = QPainterPath()
        v.moveTo(left, top)
        v.lineTo(mid, bottom)
        v.lineTo(right, top)
        painter.drawPath(v)
    finally:
        painter.end()
    return pixmap


def app_icon(icon_path: Path | None = None) -> QIcon:
    """The icon from ``icon_path`` if it loads, else the drawn one at every common size."""
    if icon_path is not None:
        icon = QIcon(str(icon_path))
        if not icon.isNull():
            return icon
        _log.warning("cannot load icon %s; using the built-in one", icon_path)
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addPixmap(render_icon(size))
    return icon


def save_icon_png(path: Path, size: int = 256) -> None:
    """Write the drawn icon as a PNG (for packaging and docs)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not render_icon(size).save(str(path), "PNG"):
        raise OSError(f"could not write {path}")


# The tray icon's states: the badge colour, or None for the plain icon.
STATE_BADGES: dict[str, str | None] = {
    "running": None,
    "degraded": "#e0a100",
    "paused": "#8a8f98",
    "stopped": "#c0392b",
}


def render_state_icon(state: str, size: int = 64) -> QPixmap:
    """The app icon with a badge in the lower right: amber when degraded, grey with pause bars when
    paused, red when stopped; a paused or stopped icon is also faded, so the state reads at 16 px."""
    pixmap = render_icon(size)
    badge = STATE_BADGES.get(state)
    if badge is None:
        return pixmap
    painter = QPainter(pixmap)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if state in ("paused", "stopped"):
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_DestinationIn)
            painter.fillRect(pixmap.rect(), QColor(0, 0, 0, 130))
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
        d = size * 0.46
        rect = QRectF(size - d - size * 0.02, size - d - size * 0.02, d, d)
        painter.setPen(QPen(QColor("white"), max(1.0, size / 24)))
        painter.setBrush(QColor(badge))
        painter.drawEllipse(rect)
        if state == "paused":
            bar_w, bar_h = d * 0.14, d * 0.44
            top = rect.center().y() - bar_h / 2
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("white"))
            painter.drawRect(QRectF(rect.center().x() - bar_w * 1.6, top, bar_w, bar_h))
            painter.drawRect(QRectF(rect.center().x() + bar_w * 0.6, top, bar_w, bar_h))
    finally:
        painter.end()
    return pixmap


def state_icon(state: str) -> QIcon:
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addPixmap(render_state_icon(state, size))
    return icon


__all__ = [
    "ICON_SIZES",
    "STATE_BADGES",
    "app_icon",
    "render_icon",
    "render_state_icon",
    "save_icon_png",
    "state_icon",
]
