"""The results grid: a list model over search results, an icon-mode view and its delegate.

The model holds light result records only; pixmaps come from :class:`Thumbnails` when the
view paints a row, so thousands of results cost a few dozen thumbnails.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeyEvent, QPainter, QPalette
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyle, QStyledItemDelegate, QWidget

from mmdesk.core.search import Result
from mmdesk.gui.compat import emit
from mmdesk.gui.thumbs import Thumbnails

ResultRole = Qt.ItemDataRole.UserRole + 1
ScoreRole = Qt.ItemDataRole.UserRole + 2
Index = QModelIndex | QPersistentModelIndex
CELL = QSize(176, 200)
BADGES = {"text in image": "text", "caption": "caption", "spoken": "speech", "note": "note"}


class ResultsModel(QAbstractListModel):
    """Rows are :class:`Result` records; decoration is asked of the thumbnail cache."""

    def __init__(self, thumbs: Thumbnails, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.thumbs = thumbs
        self._rows: list[Result] = []
        self._row_of: dict[str, list[int]] = {}
        thumbs.ready.connect(self._thumbnail_ready)

    def set_results(self, results: list[Result]) -> None:
        self.beginResetModel()
        self._rows = list(results)
        self._row_of = {}
        for row, result in enumerate(self._rows):
            self._row_of.setdefault(result.path, []).append(row)
        self.endResetModel()

    def results(self) -> list[Result]:
        return list(self._rows)

    def result(self, row: int) -> Result:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        result = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return Path(result.path).name
        if role == Qt.ItemDataRole.DecorationRole:
            return self.thumbs.get(
                result.path, result.file.get("mtime_ns"), result.file.get("size")
            )
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(result)
        if role == ResultRole:
            return result
        if role == ScoreRole:
            return result.score
        return None

    def _thumbnail_ready(self, path: str) -> None:
        rows = self._row_of.get(path)
        if rows:  # one signal per path, however many rows show it
            emit(self.dataChanged, self.index(min(rows)), self.index(max(rows)))


def tooltip(result: Result) -> str:
    """What hovering shows: the name, how well it matched, and its size."""
    lines = [Path(result.path).name]
    if not math.isnan(result.score):
        lines.append(f"match score {result.score:.3f}")
    if result.matched:
        lines.append(f"matched by {', '.join(result.matched)}")
    width, height = result.file.get("width"), result.file.get("height")
    if width and height:
        lines.append(f"{width} × {height}")
    if result.file.get("taken_at"):
        lines.append(str(result.file["taken_at"]).replace("T", " "))
    return "\n".join(lines)


class ResultDelegate(QStyledItemDelegate):
    """A thumbnail with the file name under it, drawn with palette roles only (dark-mode safe)."""

    def sizeHint(self, option: Any, index: Index) -> QSize:
        return CELL

    def paint(self, painter: QPainter, option: Any, index: Index) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect: QRect = option.rect.adjusted(4, 4, -4, -4)
        palette: QPalette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
            painter.drawRoundedRect(rect, 6, 6)
        text_height = option.fontMetrics.height() + 6
        box = QRect(
            rect.left() + 6, rect.top() + 6, rect.width() - 12, rect.height() - text_height - 12
        )
        self._paint_image(painter, box, palette, index.data(Qt.ItemDataRole.DecorationRole))
        _paint_badge(painter, box, option, index.data(ResultRole))
        text_rect = QRect(rect.left() + 4, box.bottom() + 4, rect.width() - 8, text_height)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.setPen(palette.color(role))
        name = option.fontMetrics.elidedText(
            index.data(Qt.ItemDataRole.DisplayRole), Qt.TextElideMode.ElideMiddle, text_rect.width()
        )
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignCenter, name)
        if option.state & QStyle.StateFlag.State_HasFocus:
            painter.setPen(palette.color(QPalette.ColorRole.Highlight).darker(130))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect, 6, 6)
        painter.restore()

    @staticmethod
    def _paint_image(painter: QPainter, box: QRect, palette: QPalette, pixmap: Any) -> None:
        if pixmap is None or pixmap.isNull():
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(palette.color(QPalette.ColorRole.Midlight))
            painter.drawRoundedRect(box.adjusted(8, 8, -8, -8), 4, 4)
            return
        size = pixmap.size().scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
        target = QRect(0, 0, size.width(), size.height())
        target.moveCenter(box.center())
        painter.drawPixmap(target, pixmap)


def badge(result: Result | None) -> str:
    """The short "why matched" badge of a result: its signals other than the picture itself."""
    if result is None:
        return ""
    return " + ".join(BADGES.get(m, m) for m in result.matched if m != "visual")


def _paint_badge(painter: QPainter, box: QRect, option: Any, result: Result | None) -> None:
    text = badge(result)
    if not text:
        return
    metrics = option.fontMetrics
    rect = QRect(box.left(), box.top(), metrics.horizontalAdvance(text) + 10, metrics.height() + 4)
    palette: QPalette = option.palette
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(palette.color(QPalette.ColorRole.ToolTipBase))
    painter.drawRoundedRect(rect, 4, 4)
    painter.setPen(palette.color(QPalette.ColorRole.ToolTipText))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)


def make_grid(view: QListView) -> None:
    """The thumbnail grid both the results and the review view show: fixed cells, our tiles."""
    view.setViewMode(QListView.ViewMode.IconMode)
    view.setResizeMode(QListView.ResizeMode.Adjust)
    view.setMovement(QListView.Movement.Static)
    view.setUniformItemSizes(True)
    view.setGridSize(CELL)
    view.setItemDelegate(ResultDelegate(view))


class ResultsView(QListView):
    """Icon grid with the keys people expect: Enter opens, Space toggles the preview."""

    open_requested = Signal()
    preview_toggled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        make_grid(self)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setMouseTracking(True)
        self.setWordWrap(False)
        self.setAccessibleName("Search results")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            emit(self.open_requested)
        elif event.key() == Qt.Key.Key_Space:
            emit(self.preview_toggled)
        else:
            super().keyPressEvent(event)

    def selected_results(self) -> list[Result]:
        rows = sorted(i.row() for i in self.selectionModel().selectedIndexes())
        model = self.model()
        return [model.index(r, 0).data(ResultRole) for r in rows]

    def current_result(self) -> Result | None:
        index = self.currentIndex()
        return index.data(ResultRole) if index.isValid() else None
