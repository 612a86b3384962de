"""A stacked bar chart of usage per day, one colour per series, drawn with pyqtgraph.

pyqtgraph rather than QtCharts: QtCharts is in PySide6-Addons (about 200 MB more in every bundle),
pyqtgraph is pure Python on top of the QtWidgets we already ship, plus numpy.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QStackedLayout, QWidget

from app.ui.models.usage_data import ChartData, short_day

# Colour-blind-safe (Okabe-Ito) with a neutral grey last for "other".
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999")
BAR_WIDTH = 0.7


def compact(value: float, metric: str) -> str:
    """Axis text: "$1.25", "850", "12k", "3.4M"."""
    if metric == "cost":
        return f"${value:,.2f}" if value < 100 else f"${value:,.0f}"
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.0f}"


class _ValueAxis(pg.AxisItem):  # type: ignore[misc]
    metric = "tokens"

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [compact(v * scale, self.metric) for v in values]


def _label_every(days: int) -> int:
    """Every day for a week, fewer as the period grows, so tick labels never overlap."""
    return 1 if days <= 10 else 3 if days <= 31 else 7


class UsageChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("usageChart")
        palette = self.palette()
        background = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.Text)
        self.axis = _ValueAxis("left")
        self.plot = pg.PlotWidget(self, background=background, axisItems={"left": self.axis})
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.showGrid(x=False, y=True, alpha=0.12)
        item = self.plot.getPlotItem()
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(text))
            axis.setTextPen(pg.mkPen(text))
        # The newest day's label sits at the right edge; pyqtgraph would drop it as "overlapping".
        item.getAxis("bottom").setStyle(hideOverlappingLabels=False)
        item.setContentsMargins(4, 6, 24, 4)  # room for half of that label
        self.legend = item.addLegend(offset=(10, 5), labelTextColor=text, colCount=3)
        self.empty_label = QLabel("No requests in this period yet.", self)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._stack = QStackedLayout(self)
        self._stack.setContentsMargins(0, 0, 0, 0)
        self._stack.addWidget(self.plot)
        self._stack.addWidget(self.empty_label)
        self.bars: list[pg.BarGraphItem] = []
        self.data: ChartData | None = None

    def set_data(self, data: ChartData, metric: str) -> None:
        self.data = data
        item = self.plot.getPlotItem()
        for bar in self.bars:
            item.removeItem(bar)
        self.bars.clear()
        self.legend.clear()
        if data.empty:
            self._stack.setCurrentWidget(self.empty_label)
            return
        self._stack.setCurrentWidget(self.plot)
        x = list(range(len(data.days)))
        base = [0.0] * len(data.days)
        for i, series in enumerate(data.series):
            colour = QColor(
                PALETTE[-1] if series.name.startswith("other") else PALETTE[i % (len(PALETTE) - 1)]
            )
            bar = pg.BarGraphItem(
                x=x,
                y0=list(base),
                height=list(series.values),
                width=BAR_WIDTH,
                brush=colour,
                pen=pg.mkPen(None),
            )
            item.addItem(bar)
            self.legend.addItem(bar, series.name)
            self.bars.append(bar)
            base = [b + v for b, v in zip(base, series.values, strict=True)]
        every = _label_every(len(data.days))
        item.getAxis("bottom").setTicks(
            [[(i, short_day(d)) for i, d in enumerate(data.days) if (len(data.days) - 1 - i) % every == 0]]
        )
        self.axis.metric = metric
        self.axis.setLabel("Cost (USD)" if metric == "cost" else "Tokens")
        top = max(base) if base else 0.0
        # Headroom above the tallest bar for the legend.
        item.setYRange(0, top * 1.3 if top > 0 else 1, padding=0)
        item.setXRange(-0.6, len(data.days) - 0.4, padding=0)
