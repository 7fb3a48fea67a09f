"""The results grid: a list model over search results, an icon-mode view and its delegate.

The model holds light result records only; pixmaps come from :class:`Thumbnails` when the
view paints a row, so thousands of results cost a few dozen thumbnails. A row is one *moment*:
a photo, a frame of a video or a stretch of a sound, so two moments of one video are two rows
with two thumbnails, each tile saying where in the file it is (▶ 1:23) and, when results are
grouped, how many other moments of the file matched.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
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
from PySide6.QtGui import QKeyEvent, QPainter, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QListView,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QVBoxLayout,
    QWidget,
)

from mmdesk.core.search import Result
from mmdesk.gui.compat import emit
from mmdesk.gui.thumbs import Thumbnails

ResultRole = Qt.ItemDataRole.UserRole + 1
ScoreRole = Qt.ItemDataRole.UserRole + 2
TileRole = Qt.ItemDataRole.UserRole + 3
Index = QModelIndex | QPersistentModelIndex
CELL = QSize(176, 200)
BADGES = {"text in image": "text", "caption": "caption", "spoken": "speech", "note": "note"}
MOMENT_KINDS = frozenset({"video_frame", "audio_segment"})
KIND_NAMES = {"image": "photo", "video_frame": "video moment", "audio_segment": "sound"}


# -- times ----------------------------------------------------------------------------------
def clock(seconds: float | None) -> str:
    """A time as people read it on a player: ``1:23``, ``1:02:03`` past the hour."""
    if seconds is None or not math.isfinite(seconds):
        return ""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def timestamp(seconds: float) -> str:
    """A precise time to paste into notes or a player: ``00:01:23.4``."""
    tenths = max(0, round(seconds * 10))
    hours, rest = divmod(tenths, 36000)
    minutes, rest = divmod(rest, 600)
    return f"{hours:02d}:{minutes:02d}:{rest // 10:02d}.{rest % 10}"


# -- what a tile shows ----------------------------------------------------------------------
def file_meta(result: Result) -> dict[str, Any]:
    """The file's ``meta`` facts (duration, codecs), whether stored as JSON text or a dict."""
    meta = result.file.get("meta")
    if isinstance(meta, str):
        try:
            meta = json.loads(meta)
        except ValueError:
            return {}
    return meta if isinstance(meta, dict) else {}


def duration(result: Result) -> float | None:
    """How long the video or sound is, in seconds, when the index knows."""
    value = file_meta(result).get("duration")
    return float(value) if isinstance(value, int | float) and value > 0 else None


def file_kind_of(result: Result) -> str:
    """'image', 'video' or 'audio': the file's kind, else the one its item kind implies."""
    kind = result.file.get("kind")
    if isinstance(kind, str) and kind:
        return kind
    return {"video_frame": "video", "audio_segment": "audio"}.get(result.kind, "image")


def moments_of(result: Result) -> tuple[Result, ...]:
    """The other matching moments of the same file (when results are grouped)."""
    return tuple(getattr(result, "moments", ()) or ())


def snippet(result: Result) -> str:
    """The transcript text that matched, if the result was found by what is said in it."""
    text = getattr(result, "snippet", None)
    return " ".join(text.split()) if isinstance(text, str) and "spoken" in result.matched else ""


def row_key(result: Result) -> tuple[str, str, float | None]:
    """What makes a row distinct: the file, and which moment of it."""
    return (result.path, result.kind, result.start)


@dataclass(frozen=True)
class Tile:
    """The words drawn on a tile besides the file name."""

    time: str = ""  # "1:23" where a moment of a video or sound starts
    more: str = ""  # "+2 moments"
    length: str = ""  # a sound's duration
    snippet: str = ""  # what was said, when that is why it matched
    audio: bool = False


def tile(result: Result) -> Tile:
    """The tile of a result: a photo has none of these; a moment says where and how long."""
    if result.kind not in MOMENT_KINDS and file_kind_of(result) == "image":
        return Tile()
    others = len(moments_of(result))
    audio = file_kind_of(result) == "audio"
    return Tile(
        time=clock(result.start) if result.start is not None else "",
        more=f"+{others} moment{'' if others == 1 else 's'}" if others else "",
        length=clock(duration(result)) if audio else "",
        snippet=snippet(result),
        audio=audio,
    )


def time_range(result: Result) -> str:
    """``1:23–1:27`` for a moment, ``1:23`` for an instant, "" for a photo or a whole file."""
    if result.start is None:
        return ""
    if result.end is None or result.end <= result.start:
        return clock(result.start)
    return f"{clock(result.start)}–{clock(result.end)}"


def tooltip(result: Result) -> str:
    """What hovering shows: the name, what it is and where, how well it matched, its size."""
    lines = [Path(result.path).name]
    kind = KIND_NAMES.get(result.kind, result.kind)
    where = time_range(result)
    lines.append(f"{kind} at {where}" if where else kind)
    if duration(result):
        lines.append(f"length {clock(duration(result))}")
    if moments_of(result):
        lines.append(f"{len(moments_of(result))} more matching moments in this file")
    said = snippet(result)
    if said:
        lines.append(f"“{said[:200]}”")
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


def picture_moment(result: Result) -> tuple[str, float | None]:
    """(item kind, start) of the picture that stands for a result: a photo, the video's frame
    at the moment, or the sound's waveform (one per sound file, whichever stretch matched)."""
    if result.kind == "image" or file_kind_of(result) == "image":
        return ("image", None)
    return (result.kind, None if file_kind_of(result) == "audio" else result.start)


def thumbnail_of(thumbs: Thumbnails, result: Result) -> Any:
    """The pixmap of a result's own moment, if ready (asked for otherwise)."""
    f = result.file
    return thumbs.get(result.path, f.get("mtime_ns"), f.get("size"), *picture_moment(result))


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

    def rows_of(self, path: str) -> list[Result]:
        """Every shown moment of one file, in the grid's order."""
        return [self._rows[row] for row in self._row_of.get(path, [])]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        result = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return Path(result.path).name
        if role == Qt.ItemDataRole.DecorationRole:
            return thumbnail_of(self.thumbs, result)
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return tooltip(result)
        if role == ResultRole:
            return result
        if role == ScoreRole:
            return result.score
        if role == TileRole:
            return tile(result)
        return None

    def _thumbnail_ready(self, path: str) -> None:
        rows = self._row_of.get(path)
        if rows:  # one signal per path, however many rows (moments) show it
            emit(self.dataChanged, self.index(min(rows)), self.index(max(rows)))


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
        _paint_tile(painter, box, option, index.data(TileRole))
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


def _label(
    painter: QPainter, option: Any, text: str, corner: Qt.AlignmentFlag, box: QRect
) -> QRect:
    """A small rounded label in one corner of ``box``; returns where it went."""
    metrics = option.fontMetrics
    width = min(metrics.horizontalAdvance(text) + 10, box.width())
    rect = QRect(0, 0, width, metrics.height() + 4)
    left = box.right() - width + 1 if corner & Qt.AlignmentFlag.AlignRight else box.left()
    top = box.bottom() - rect.height() + 1 if corner & Qt.AlignmentFlag.AlignBottom else box.top()
    rect.moveTo(left, top)
    palette: QPalette = option.palette
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(palette.color(QPalette.ColorRole.ToolTipBase))
    painter.drawRoundedRect(rect, 4, 4)
    painter.setPen(palette.color(QPalette.ColorRole.ToolTipText))
    shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, rect.width() - 8)
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, shown)
    return rect


def _paint_badge(painter: QPainter, box: QRect, option: Any, result: Result | None) -> None:
    text = badge(result)
    if text:
        _label(painter, option, text, Qt.AlignmentFlag.AlignLeft, box)


def _paint_tile(painter: QPainter, box: QRect, option: Any, facts: Tile | None) -> None:
    """The moment's corners: ▶ time (bottom left), +N moments (top right), a sound's length
    (bottom right), and above them what was said when that matched."""
    if facts is None:
        return
    bottom = box.bottom()
    if facts.time:
        mark = "♪" if facts.audio else "▶"
        bottom = _label(painter, option, f"{mark} {facts.time}", _BOTTOM_LEFT, box).top()
    if facts.length:
        bottom = min(bottom, _label(painter, option, facts.length, _BOTTOM_RIGHT, box).top())
    if facts.more:
        _label(painter, option, facts.more, Qt.AlignmentFlag.AlignRight, box)
    if facts.snippet:
        above = QRect(box.left(), box.top(), box.width(), bottom - box.top() - 2)
        _label(painter, option, f"“{facts.snippet}”", _BOTTOM_LEFT, above)


_BOTTOM_LEFT = Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignLeft
_BOTTOM_RIGHT = Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignRight


def make_grid(view: QListView) -> None:
    """The thumbnail grid both the results and the review view show: fixed cells, our tiles."""
    view.setViewMode(QListView.ViewMode.IconMode)
    view.setResizeMode(QListView.ResizeMode.Adjust)
    view.setMovement(QListView.Movement.Static)
    view.setUniformItemSizes(True)
    view.setGridSize(CELL)
    view.setItemDelegate(ResultDelegate(view))


class EmptyState(QWidget):
    """A message over an empty grid, with one way out ("Show weak matches anyway")."""

    action_requested = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.text = QLabel(self, alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        self.button = QPushButton(self)
        self.button.clicked.connect(self.action_requested)
        box = QVBoxLayout(self)
        box.addStretch(1)
        box.addWidget(self.text)
        box.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        box.addStretch(2)
        self.hide()

    def show_message(self, text: str, action: str = "") -> None:
        self.text.setText(text)
        self.button.setText(action)
        self.button.setVisible(bool(action))
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self.show()
        self.raise_()


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
        self.empty = EmptyState(self.viewport())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.empty.setGeometry(self.viewport().rect())

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
