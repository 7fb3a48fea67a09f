"""The results grid: a list model over search results, an icon-mode view and its delegate.

The model holds light result records only; pixmaps come from :class:`Thumbnails` when the
view paints a row, so thousands of results cost a few dozen thumbnails. A row is one *moment*:
a photo, a frame of a video or a stretch of a sound, so two moments of one video are two rows
with two thumbnails, each tile saying where in the file it is (▶ 1:23) and, when results are
grouped, how many other moments of the file matched.

The grid's look is the person's: the tile size (:meth:`ResultsView.set_tile_edge`, from the
status bar slider, Ctrl+wheel or Ctrl +/-), square tiles that fill the cell with the picture,
and a line of facts (date and score) under the name. A rotated photo's thumbnail is asked for
with its turns (:attr:`ResultsModel.turns`, file id -> quarter turns), so it has its own key.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeyEvent, QPainter, QPalette, QResizeEvent, QWheelEvent
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
FactsRole = Qt.ItemDataRole.UserRole + 4  # the tile's date · score line
Index = QModelIndex | QPersistentModelIndex
CELL = QSize(176, 200)
TILE_EDGES = (96, 512)  # the smallest and largest tile the size control offers
TILE_STEP = 24  # one Ctrl+wheel notch or Ctrl +/-
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


def thumbnail_of(thumbs: Thumbnails, result: Result, turns: int = 0) -> Any:
    """The pixmap of a result's own moment, turned as the person asked, if ready (asked for
    otherwise)."""
    f = result.file
    kind, start = picture_moment(result)
    return thumbs.get(result.path, f.get("mtime_ns"), f.get("size"), kind, start, turns)


def turns_of(turns: dict[int, int], result: Result) -> int:
    """The clockwise quarter turns a person gave the result's file (0 when none)."""
    file_id = result.file.get("file_id")
    return turns.get(int(file_id), 0) if isinstance(file_id, int) else 0


def facts_line(result: Result | None) -> str:
    """The tile's facts line: the date taken (else modified) and the score when searching."""
    if result is None:
        return ""
    f = result.file
    date = str(f.get("taken_at") or "")[:10]
    if not date and f.get("mtime_ns"):
        date = dt.datetime.fromtimestamp(int(f["mtime_ns"]) / 1e9).strftime("%Y-%m-%d")
    parts = [date] if date else []
    if not math.isnan(result.score):
        parts.append(f"{result.score:.2f}")
    return " · ".join(parts)


class ResultsModel(QAbstractListModel):
    """Rows are :class:`Result` records; decoration is asked of the thumbnail cache."""

    def __init__(self, thumbs: Thumbnails, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.thumbs = thumbs
        self.turns: dict[int, int] = {}  # file id -> a person's quarter turns
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
            return thumbnail_of(self.thumbs, result, turns_of(self.turns, result))
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return tooltip(result)
        if role == ResultRole:
            return result
        if role == ScoreRole:
            return result.score
        if role == FactsRole:
            return facts_line(result)
        if role == TileRole:
            return tile(result)
        return None

    def set_turns(self, turns: dict[int, int]) -> None:
        """New rotation overrides: every tile is drawn again with its own."""
        self.turns = dict(turns)
        if self._rows:
            emit(self.dataChanged, self.index(0), self.index(len(self._rows) - 1))

    def _thumbnail_ready(self, path: str) -> None:
        rows = self._row_of.get(path)
        if rows:  # one signal per path, however many rows (moments) show it
            emit(self.dataChanged, self.index(min(rows)), self.index(max(rows)))


class ResultDelegate(QStyledItemDelegate):
    """A thumbnail with the file name under it, drawn with palette roles only (dark-mode safe).

    ``square`` tiles are the picture alone, filling the cell; ``facts`` adds a line of date and
    score under the name.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cell = QSize(CELL)
        self.square = False
        self.facts = False

    def sizeHint(self, option: Any, index: Index) -> QSize:
        return self.cell

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
        lines = 0 if self.square else 1 + int(self.facts)
        text_height = option.fontMetrics.height() + 6
        inset = 3 if self.square else 6
        box = QRect(
            rect.left() + inset,
            rect.top() + inset,
            rect.width() - 2 * inset,
            rect.height() - text_height * lines - 2 * inset - (6 if lines else 0),
        )
        pixmap = index.data(Qt.ItemDataRole.DecorationRole)
        self._paint_image(painter, box, palette, pixmap, fill=self.square)
        _paint_badge(painter, box, option, index.data(ResultRole))
        _paint_tile(painter, box, option, index.data(TileRole))
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.setPen(palette.color(role))
        texts = [index.data(Qt.ItemDataRole.DisplayRole)]
        if self.facts:
            texts.append(index.data(FactsRole) or "")
        for n, text in enumerate(texts[:lines]):
            top = box.bottom() + 4 + n * text_height
            text_rect = QRect(rect.left() + 4, top, rect.width() - 8, text_height)
            shown = option.fontMetrics.elidedText(
                text, Qt.TextElideMode.ElideMiddle, text_rect.width()
            )
            painter.drawText(text_rect, Qt.AlignmentFlag.AlignCenter, shown)
        if option.state & QStyle.StateFlag.State_HasFocus:
            painter.setPen(palette.color(QPalette.ColorRole.Highlight).darker(130))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect, 6, 6)
        painter.restore()

    @staticmethod
    def _paint_image(
        painter: QPainter, box: QRect, palette: QPalette, pixmap: Any, *, fill: bool = False
    ) -> None:
        if pixmap is None or pixmap.isNull():
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(palette.color(QPalette.ColorRole.Midlight))
            painter.drawRoundedRect(box.adjusted(8, 8, -8, -8), 4, 4)
            return
        if fill:  # square tiles: the middle of the picture, cropped to the cell
            source = QRect(QPoint(0, 0), box.size().scaled(pixmap.size(), _INSIDE))
            source.moveCenter(pixmap.rect().center())
            painter.drawPixmap(box, pixmap, source)
            return
        size = pixmap.size().scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
        target = QRect(0, 0, size.width(), size.height())
        target.moveCenter(box.center())
        painter.drawPixmap(target, pixmap)


def badge(result: Result | None) -> str:
    """The short "why matched" badge of a result: its signals other than the picture itself,
    and "offline" while its folder's drive or share is away."""
    if result is None:
        return ""
    text = " + ".join(BADGES.get(m, m) for m in result.matched if m != "visual")
    if result.file.get("folder_state") == "offline":  # its drive or share is away
        return f"offline · {text}" if text else "offline"
    return text


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


_INSIDE = Qt.AspectRatioMode.KeepAspectRatio
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
    """Icon grid with the keys people expect: Enter opens the viewer, Space is a quick look,
    Ctrl+wheel changes the tile size."""

    open_requested = Signal()
    preview_toggled = Signal()  # kept for callers of the old Space key; no longer emitted
    quick_look_requested = Signal()
    tile_edge_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        make_grid(self)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setMouseTracking(True)
        self.setWordWrap(False)
        self.setAccessibleName("Search results")
        self.empty = EmptyState(self.viewport())

    # the person's look of the grid ----------------------------------------------------------
    def delegate(self) -> ResultDelegate:
        delegate = self.itemDelegate()
        assert isinstance(delegate, ResultDelegate)
        return delegate

    def tile_edge(self) -> int:
        """The tile's width in pixels (what the size control shows)."""
        return self.delegate().cell.width()

    def set_tile_edge(self, edge: int) -> None:
        """Tiles ``edge`` pixels wide (clamped to :data:`TILE_EDGES`); emits the new edge."""
        edge = max(TILE_EDGES[0], min(TILE_EDGES[1], int(edge)))
        if edge == self.tile_edge() and self.gridSize() == self.delegate().cell:
            return
        self._relayout(edge)
        emit(self.tile_edge_changed, edge)

    def zoom_tiles(self, steps: int) -> None:
        """Bigger (positive) or smaller tiles by ``steps`` notches."""
        self.set_tile_edge(self.tile_edge() + steps * TILE_STEP)

    def set_square(self, on: bool) -> None:
        """Square tiles: the picture alone, cropped to fill a denser grid."""
        self.delegate().square = on
        self._relayout(self.tile_edge())

    def set_facts(self, on: bool) -> None:
        """Show the date and score under each tile's name."""
        self.delegate().facts = on
        self._relayout(self.tile_edge())

    def _relayout(self, edge: int) -> None:
        delegate = self.delegate()
        extra = 0 if delegate.square else CELL.height() - CELL.width()  # the name's line
        if delegate.facts and not delegate.square:
            extra += self.fontMetrics().height() + 6
        delegate.cell = QSize(edge, edge + extra)
        self.setGridSize(delegate.cell)
        self.doItemsLayout()
        self.viewport().update()

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            notches = event.angleDelta().y() / 120
            if notches:
                self.zoom_tiles(1 if notches > 0 else -1)
            event.accept()
            return
        super().wheelEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.empty.setGeometry(self.viewport().rect())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            emit(self.open_requested)
        elif event.key() == Qt.Key.Key_Space:
            emit(self.quick_look_requested)
        else:
            super().keyPressEvent(event)

    def selected_results(self) -> list[Result]:
        rows = sorted(i.row() for i in self.selectionModel().selectedIndexes())
        model = self.model()
        return [model.index(r, 0).data(ResultRole) for r in rows]

    def current_result(self) -> Result | None:
        index = self.currentIndex()
        return index.data(ResultRole) if index.isValid() else None
