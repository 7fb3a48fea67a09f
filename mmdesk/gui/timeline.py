"""The timeline scrubber: a thin strip beside the grid with the years and months of a browse.

Each date group (a month, or a day when the view spans few days: :mod:`gui.date_groups`) is
as tall as its share of the items, so the strip reads like a scroll bar that knows dates, as in
Google Photos or Immich. Hovering names the group and its count; a click or a drag asks to go
to the group's first item (:attr:`Scrubber.jump_requested`), which the pager loads first if it
is not loaded yet (:mod:`gui.paging`). The group at the top of the grid is marked. The strip
shows only while the grid browses by date; ranked results have no timeline.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRectF, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QHBoxLayout, QToolTip, QWidget

from mmdesk.gui.compat import emit
from mmdesk.gui.date_groups import MONTHS, Header, Timeline

WIDTH = 58  # pixels: room for "2024" or "12 Mar"
MARGIN = 6  # above the first group and below the last


def short_label(key: str, new_year: bool) -> str:
    """What the strip writes at a group: "2 Mar" for a day; for a month its year where a year
    starts, else "Mar"; "–" for undated items."""
    if not key[5:7].isdigit():
        return key[:4] or "–"
    month = MONTHS[int(key[5:7]) - 1][:3]
    if len(key) == 10:
        return f"{int(key[8:10])} {month}"
    return key[:4] if new_year else month


class Scrubber(QWidget):
    """The strip; :meth:`set_timeline` fills it (None hides it)."""

    jump_requested = Signal(str)  # a group's key ("2024-03"): scroll the grid to its start

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedWidth(WIDTH)
        self.setMouseTracking(True)
        self.setAccessibleName("Timeline")
        self.setAccessibleDescription("Click or drag to go to a month")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.timeline: Timeline | None = None
        self.current = ""  # the group at the top of the grid
        self.hovered: str | None = None
        self._dragged_to: str | None = None
        self.hide()

    def set_timeline(self, timeline: Timeline | None) -> None:
        self.timeline = timeline if timeline is not None and timeline.groups else None
        self.setVisible(self.timeline is not None)
        self.update()

    def set_current(self, key: str) -> None:
        if key != self.current:
            self.current = key
            self.update()

    # where each group is ----------------------------------------------------------------------
    def spans(self) -> list[tuple[str, float, float]]:
        """(key, top, bottom) of each group in pixels, tall as its share of the items."""
        if self.timeline is None:
            return []
        total = self.timeline.total or 1
        height = max(1, self.height() - 2 * MARGIN)
        spans, top = [], float(MARGIN)
        for key, count in self.timeline.groups:
            bottom = top + height * count / total
            spans.append((key, top, bottom))
            top = bottom
        return spans

    def key_at(self, y: float) -> str | None:
        """The group under a height in the strip (the first above it, the last below it)."""
        spans = self.spans()
        for key, _, bottom in spans:
            if y < bottom:
                return key
        return spans[-1][0] if spans else None

    def point_of(self, key: str) -> QPoint:
        """The middle of a group in the strip (where a click goes there)."""
        for group, top, bottom in self.spans():
            if group == key:
                return QPoint(self.width() // 2, int((top + bottom) / 2))
        return QPoint(self.width() // 2, MARGIN)

    def title(self, key: str) -> str:
        count = self.timeline.count(key) if self.timeline is not None else None
        return Header(key, count).title

    # drawing ------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Window))
        for key, top, bottom in self.spans():
            if key in (self.current, self.hovered):
                role = (
                    QPalette.ColorRole.Highlight if key == self.current else QPalette.ColorRole.Mid
                )
                mark = QRectF(self.width() - 5, top, 4, max(2.0, bottom - top))
                painter.fillRect(mark, palette.color(role))
            painter.setPen(palette.color(QPalette.ColorRole.Mid))
            painter.drawLine(self.width() - 12, int(top), self.width() - 7, int(top))
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        bold = self.font()
        bold.setBold(True)
        for top, text, strong in self.labels():
            painter.setFont(bold if strong else self.font())
            box = QRectF(2, top, self.width() - 14, self.fontMetrics().height())
            painter.drawText(box, Qt.AlignmentFlag.AlignRight, text)
        painter.end()

    def labels(self) -> list[tuple[float, str, bool]]:
        """(top, text, starts a year) of the labels that fit: where each year starts first,
        then the other groups wherever they do not overlap one."""
        wanted: list[tuple[float, str, bool]] = []
        year = None
        for key, top, _ in self.spans():
            wanted.append((top, short_label(key, key[:4] != year), key[:4] != year))
            year = key[:4]
        height = self.fontMetrics().height()
        placed: list[tuple[float, str, bool]] = []
        for strong in (True, False):
            for label in wanted:
                if label[2] == strong and all(abs(label[0] - p[0]) >= height for p in placed):
                    placed.append(label)
        return placed

    # hover, click and drag -----------------------------------------------------------------
    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        key = self.key_at(event.position().y())
        if key != self.hovered:
            self.hovered = key
            self.update()
        if key is not None:
            QToolTip.showText(event.globalPosition().toPoint(), self.title(key), self)
            if event.buttons() & Qt.MouseButton.LeftButton and key != self._dragged_to:
                self._go(key)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        key = self.key_at(event.position().y())
        if event.button() == Qt.MouseButton.LeftButton and key is not None:
            self._go(key)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._dragged_to = None

    def leaveEvent(self, event: object) -> None:
        self.hovered = None
        self.update()

    def _go(self, key: str) -> None:
        self._dragged_to = key
        emit(self.jump_requested, key)


def beside(grid: QWidget, scrubber: Scrubber) -> QWidget:
    """The grid with the scrubber on its right, as one widget for the window's splitter."""
    box = QWidget(grid.parentWidget())
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(0)
    row.addWidget(grid, 1)
    row.addWidget(scrubber)
    return box
