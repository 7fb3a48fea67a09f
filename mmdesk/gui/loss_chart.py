"""A live loss curve drawn with QPainter (PySide6-Essentials has no QtCharts).

The training dialog feeds it one point per epoch, parsed from the job's progress message by
:func:`parse_losses`; the chart keeps every point and repaints itself, so a person sees at a
glance whether the validation loss still falls or the model began to overfit.
"""

from __future__ import annotations

import math
import re
from typing import NamedTuple

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

_PAIR = re.compile(r"([A-Za-z][A-Za-z_ ]*?)\s*[:=]?\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)")
TRAIN_COLOUR = QColor(52, 120, 220)
VAL_COLOUR = QColor(230, 120, 30)
NICE = (1, 1.2, 1.6, 2, 2.5, 3, 4, 5, 6, 8, 10)
MARGIN = (48, 14, 14, 30)  # left, top, right, bottom: room for the axis labels


def nice_ceiling(value: float) -> float:
    """The round number at or above ``value`` (0.802 -> 1.0, 0.37 -> 0.4), so ticks read well."""
    if value <= 0 or not math.isfinite(value):
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    return next(m * magnitude for m in NICE if m * magnitude >= value * (1 - 1e-9))


class Ranges(NamedTuple):
    """What the axes span."""

    x_min: float
    x_max: float
    low: float
    high: float


def parse_losses(message: str) -> tuple[float | None, float | None]:
    """``(train, validation)`` losses from a progress message, either one ``None`` if absent.

    Tolerant on purpose: the training job says ``"loss 0.1234 val 0.2345"`` today, but
    ``"train_loss=0.12, val_loss=0.2"`` or ``"loss: 0.12"`` must work as well.
    """
    train: float | None = None
    val: float | None = None
    for key, number in _PAIR.findall(message):
        value = float(number)
        if not math.isfinite(value):
            continue
        key = key.strip().lower()
        if "val" in key:
            val = value
        elif "loss" in key or "train" in key:
            train = value
    return train, val


class LossChart(QWidget):
    """Train and validation loss per epoch; :meth:`add_point` adds one and repaints."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.train: list[tuple[float, float]] = []
        self.val: list[tuple[float, float]] = []
        self.total_epochs = 0
        self.setMinimumSize(260, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Loss curve")

    def sizeHint(self) -> QSize:
        return QSize(420, 220)

    def clear(self, total_epochs: int = 0) -> None:
        """Forget the points (a new training run starts)."""
        self.train, self.val, self.total_epochs = [], [], total_epochs
        self.update()

    def add_point(self, epoch: float, train: float | None, val: float | None = None) -> None:
        """Keep the losses of ``epoch`` (either may be missing) and schedule a repaint."""
        if train is not None:
            self.train.append((epoch, train))
        if val is not None:
            self.val.append((epoch, val))
        self.update()

    def fit_to_points(self) -> None:
        """The run ended: span the epochs that really ran (early stopping or a small data set
        stop well before the epoch budget the axis was drawn for)."""
        self.total_epochs = 0
        self.update()

    # painting ---------------------------------------------------------------------------------
    def _ranges(self) -> Ranges:
        """First and last epoch on the x axis, lowest and highest loss on the y axis."""
        points = self.train + self.val
        xs = [x for x, _ in points]
        x_min, x_max = min([1.0, *xs]), max([float(self.total_epochs), *xs, 1.0])
        ys = [y for _, y in points] or [0.0, 1.0]
        low, high = min(0.0, min(ys)), nice_ceiling(max(ys))
        return Ranges(x_min, max(x_max, x_min + 1), low, high if high > low else low + 1.0)

    def _plot_rect(self) -> QRectF:
        left, top, right, bottom = MARGIN
        return QRectF(left, top, self.width() - left - right, self.height() - top - bottom)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        plot = self._plot_rect()
        ranges = self._ranges()
        self._paint_axes(painter, plot, ranges)
        if not self.train and not self.val:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, "The loss curve appears here")
        for points, colour in ((self.train, TRAIN_COLOUR), (self.val, VAL_COLOUR)):
            self._paint_line(painter, plot, points, colour, ranges)
        self._paint_legend(painter, plot)
        painter.end()

    def _paint_axes(self, painter: QPainter, plot: QRectF, r: Ranges) -> None:
        text = self.palette().color(QPalette.ColorRole.Text)
        grid = self.palette().color(QPalette.ColorRole.Mid)
        for i in range(5):
            y = plot.bottom() - plot.height() * i / 4
            painter.setPen(QPen(grid, 1, Qt.PenStyle.DotLine))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(text)
            label = f"{r.low + (r.high - r.low) * i / 4:.3g}"
            box = QRectF(0, y - 8, MARGIN[0] - 6, 16)
            painter.drawText(box, Qt.AlignmentFlag.AlignRight, label)
        painter.setPen(QPen(text, 1))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        painter.drawLine(plot.bottomLeft(), plot.topLeft())
        below = QRectF(plot.left(), plot.bottom() + 4, plot.width(), 18)
        painter.drawText(below, Qt.AlignmentFlag.AlignLeft, f"{r.x_min:g}")
        painter.drawText(below, Qt.AlignmentFlag.AlignHCenter, "epoch")
        painter.drawText(below, Qt.AlignmentFlag.AlignRight, f"{r.x_max:g}")

    @staticmethod
    def _paint_line(
        painter: QPainter,
        plot: QRectF,
        points: list[tuple[float, float]],
        colour: QColor,
        r: Ranges,
    ) -> None:
        def at(x: float, y: float) -> QPointF:
            return QPointF(
                plot.left() + plot.width() * (x - r.x_min) / (r.x_max - r.x_min),
                plot.bottom() - plot.height() * (y - r.low) / (r.high - r.low),
            )

        mapped = [at(x, y) for x, y in points]
        painter.setPen(QPen(colour, 2))
        painter.drawPolyline(QPolygonF(mapped))
        painter.setBrush(colour)
        for point in mapped[-1:]:  # the newest point stands out
            painter.drawEllipse(point, 3, 3)
        painter.setBrush(Qt.BrushStyle.NoBrush)

    def _paint_legend(self, painter: QPainter, plot: QRectF) -> None:
        x = plot.right() - 150
        for n, (name, colour, points) in enumerate(
            (("train", TRAIN_COLOUR, self.train), ("validation", VAL_COLOUR, self.val))
        ):
            y = plot.top() + 6 + 16 * n
            painter.setPen(QPen(colour, 3))
            painter.drawLine(QPointF(x, y + 7), QPointF(x + 18, y + 7))
            painter.setPen(self.palette().color(QPalette.ColorRole.Text))
            last = f" {points[-1][1]:.4f}" if points else ""
            painter.drawText(QRectF(x + 24, y, 130, 16), Qt.AlignmentFlag.AlignLeft, name + last)
