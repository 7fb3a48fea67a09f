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
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFontMetrics,
    QKeyEvent,
    QPainter,
    QPalette,
    QPixmap,
    QResizeEvent,
    QWheelEvent,
)
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
from mmdesk.gui.date_groups import (
    GridRows,
    Header,
    HeaderRole,
    Timeline,
    header_data,
    header_size,
    paint_header,
)
from mmdesk.gui.scores import score_phrase, score_text
from mmdesk.gui.sidebar_tags import ITEMS_MIME
from mmdesk.gui.thumbs import Thumbnails

ResultRole = Qt.ItemDataRole.UserRole + 1
ScoreRole = Qt.ItemDataRole.UserRole + 2
TileRole = Qt.ItemDataRole.UserRole + 3
FactsRole = Qt.ItemDataRole.UserRole + 4  # the tile's date · score line
TagsRole = Qt.ItemDataRole.UserRole + 20  # the item's tags (list[str]), once read
Index = QModelIndex | QPersistentModelIndex
CELL = QSize(176, 200)
SCALED_KEPT = 256  # thumbnails kept scaled to their tiles (~90 KB each at the default size)
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
    if score_phrase(result.score):
        lines.append(score_phrase(result.score))
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


def facts_line(result: Result | None, *, date: bool = True, score: bool = True) -> str:
    """The tile's facts line: the date taken (else modified) and the score when searching."""
    if result is None:
        return ""
    f = result.file
    day = str(f.get("taken_at") or "")[:10]
    if not day and f.get("mtime_ns"):
        day = dt.datetime.fromtimestamp(int(f["mtime_ns"]) / 1e9).strftime("%Y-%m-%d")
    parts = [day] if day and date else []
    if score and score_text(result.score):
        parts.append(score_text(result.score))
    return " · ".join(parts)


def tags_line(names: list[str] | None) -> str:
    """The tile's tags line: ``beach · sea``."""
    return " · ".join(names or ())


class ResultsModel(QAbstractListModel):
    """Rows are :class:`Result` records; decoration is asked of the thumbnail cache.

    Browsing by date, a header row starts each date group (:mod:`gui.date_groups`): row
    numbers then differ from result numbers, so callers go by :meth:`result`, :meth:`result_at`
    and :meth:`result_rows`. A browse's next page is fetched as the view nears the end
    (``canFetchMore``/``fetchMore`` call :attr:`fetch`, set by :mod:`gui.paging`).
    """

    def __init__(self, thumbs: Thumbnails, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.thumbs = thumbs
        self.turns: dict[int, int] = {}  # file id -> a person's quarter turns
        self.tags: dict[int, list[str]] = {}  # item id -> its tags, as last read (tiles show)
        self._grid = GridRows()  # the rows: results, and date headers when browsing by date
        self._timeline: Timeline | None = None  # how the next set_results groups (once)
        self.fetch: Callable[[], None] | None = None  # asks for the next page (gui.paging)
        self.more = False  # more rows to fetch: the view asks as the person nears the end
        thumbs.ready.connect(self._thumbnail_ready)

    @property
    def _rows(self) -> list[Result]:
        """The results, in the grid's order (header rows left out)."""
        return self._grid.results

    def set_results(self, results: list[Result]) -> None:
        """Show ``results`` instead, grouped by date if :meth:`group_next` just asked; no more
        rows to fetch until the pager says so."""
        self.beginResetModel()
        self._grid.reset(list(results), self._timeline)
        self._timeline, self.more = None, False
        self.endResetModel()

    def group_next(self, timeline: Timeline | None) -> None:
        """Group the results of the next :meth:`set_results` by ``timeline``'s dates."""
        self._timeline = timeline

    @property
    def timeline(self) -> Timeline | None:
        """The dates the shown rows are grouped by (None: no headers)."""
        return self._grid.timeline

    def append_results(self, results: list[Result]) -> None:
        """Add a next page at the end (with its headers); selection and scroll stay."""
        added = self._grid.added_rows(results)
        if not added:
            return
        first = len(self._grid.slots)
        self.beginInsertRows(QModelIndex(), first, first + added - 1)
        self._grid.extend(results)
        self.endInsertRows()

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self.more and self.fetch is not None

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent) and self.fetch is not None:
            self.fetch()

    def results(self) -> list[Result]:
        return list(self._rows)

    def result(self, row: int) -> Result:
        """The result at model ``row`` (IndexError for a header row)."""
        result = self._grid.result_at(row)
        if result is None:
            raise IndexError(f"row {row} is not a result")
        return result

    def result_at(self, row: int) -> Result | None:
        """The result at model ``row``, None for a header or no row."""
        return self._grid.result_at(row)

    def result_rows(self) -> list[tuple[int, Result]]:
        """(model row, result) of every result, in the grid's order."""
        return list(zip(self._grid.row_of, self._rows))

    def row_of_result(self, number: int) -> int:
        """The model row of the ``number``-th result."""
        return self._grid.row_of[number]

    def result_number(self, row: int) -> int:
        """Which result (0, 1, ...) model ``row`` shows; -1 for a header."""
        slot = self._grid.slots[row] if 0 <= row < len(self._grid.slots) else -1
        return max(slot, -1)

    def step(self, row: int, delta: int) -> int | None:
        """The model row ``delta`` results on from ``row`` (headers skipped), None past an end."""
        return self._grid.step(row, delta)

    def header_at(self, row: int) -> Header | None:
        return self._grid.header_at(row)

    def header_row(self, key: str) -> int | None:
        """The model row of a date group's header ("2024-03"), if that group is loaded."""
        return self._grid.header_row(key)

    def rows_of(self, path: str) -> list[Result]:
        """Every shown moment of one file, in the grid's order."""
        return [self._rows[n] for n in self._grid.by_path.get(path, [])]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._grid.slots)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._grid.slots):
            return None
        if (header := self._grid.header_at(index.row())) is not None:
            return header_data(header, role)
        result = self._grid.results[self._grid.slots[index.row()]]
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
        if role == TagsRole:
            return self.tags.get(result.item_id, [])
        return None

    # dragging results out: onto a tag in the sidebar, or files into a file manager ----------
    def flags(self, index: Index) -> Qt.ItemFlag:
        if index.isValid() and self._grid.header_at(index.row()) is not None:
            return Qt.ItemFlag.NoItemFlags  # a date header: never selected, opened or dragged
        flags = super().flags(index)
        return flags | Qt.ItemFlag.ItemIsDragEnabled if index.isValid() else flags

    def mimeTypes(self) -> list[str]:
        return [ITEMS_MIME, "text/uri-list"]

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    def mimeData(self, indexes: Any) -> QMimeData:
        """The dragged results: their item ids as :data:`ITEMS_MIME` JSON, their files as URLs."""
        rows = sorted({i.row() for i in indexes if i.isValid()})
        results = [r for row in rows if (r := self.result_at(row)) is not None]
        mime = QMimeData()
        ids = list(dict.fromkeys(r.item_id for r in results))
        mime.setData(ITEMS_MIME, json.dumps(ids).encode("utf-8"))
        mime.setUrls([QUrl.fromLocalFile(path) for path in dict.fromkeys(r.path for r in results)])
        return mime

    # the tiles' tags -------------------------------------------------------------------------
    def item_ids(self, first: int = 0, last: int | None = None) -> list[int]:
        """The item ids of rows ``first`` to ``last`` (inclusive; all rows by default)."""
        end = self.rowCount() if last is None else last + 1
        shown = (self.result_at(row) for row in range(first, end))
        return list(dict.fromkeys(r.item_id for r in shown if r is not None))

    def set_tags(self, item_ids: list[int], names: dict[int, list[str]]) -> None:
        """The tags of ``item_ids`` as just read (an id missing from ``names`` has none)."""
        if len(self.tags) > 4 * len(self._rows) + 1000:  # forget earlier searches' items
            self.tags = {i: self.tags[i] for i in self.item_ids() if i in self.tags}
        for item_id in item_ids:
            self.tags[item_id] = names.get(item_id, [])
        if self._rows:
            emit(self.dataChanged, self.index(0), self.index(self.rowCount() - 1), [TagsRole])

    def set_turns(self, turns: dict[int, int]) -> None:
        """New rotation overrides: every tile is drawn again with its own."""
        self.turns = dict(turns)
        if self._rows:
            emit(self.dataChanged, self.index(0), self.index(self.rowCount() - 1))

    def _thumbnail_ready(self, path: str) -> None:
        rows = [self._grid.row_of[n] for n in self._grid.by_path.get(path, [])]
        if rows:  # one signal per path, however many rows (moments) show it
            emit(self.dataChanged, self.index(min(rows)), self.index(max(rows)))


class ResultDelegate(QStyledItemDelegate):
    """A thumbnail with the file name under it, drawn with palette roles only (dark-mode safe).

    ``square`` tiles are the picture alone, filling the cell; ``show_date`` adds a line with the
    date under the name, ``show_tags`` one with the item's tags; ``show_score`` puts the score in
    the corner badge (which hovering shows anyway).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cell = QSize(CELL)
        self.square = False
        # each thumbnail scaled to its tile once, not at every paint (smooth scaling of ~40
        # tiles took 10-20 ms of the GUI thread per repaint while indexing)
        self._scaled: OrderedDict[tuple[int, int, int, bool, float], QPixmap] = OrderedDict()
        self.show_date = self.show_score = self.show_tags = False
        # a tag's colour ("#rrggbb") or None (the window gives the sidebar's, from the library)
        self.tag_color: Callable[[str], str | None] = lambda _: None

    @property
    def facts(self) -> bool:
        """Date and score on the tiles (the older single option)."""
        return self.show_date or self.show_score

    @facts.setter
    def facts(self, on: bool) -> None:
        self.show_date = self.show_score = on

    def line_count(self) -> int:
        """Lines of text under the picture: the name, then the date and the tags if shown."""
        return 0 if self.square else 1 + int(self.show_date) + int(self.show_tags)

    def _texts(self, index: Index) -> list[tuple[str, QPalette.ColorRole]]:
        """Each line under the picture with its colour role (the tags are quieter)."""
        texts = [(str(index.data(Qt.ItemDataRole.DisplayRole) or ""), QPalette.ColorRole.Text)]
        if self.show_date:
            date = facts_line(index.data(ResultRole), score=False)
            texts.append((date, QPalette.ColorRole.Text))
        if self.show_tags:
            texts.append((tags_line(index.data(TagsRole)), QPalette.ColorRole.PlaceholderText))
        return texts[: self.line_count()]

    def sizeHint(self, option: Any, index: Index) -> QSize:
        model = index.model()  # asked of every row when there are headers: kept cheap
        if isinstance(model, ResultsModel) and model.header_at(index.row()) is not None:
            view = self.parent()
            if isinstance(view, QListView):
                return header_size(view, option.fontMetrics.height())  # a row of its own
        return self.cell

    def paint(self, painter: QPainter, option: Any, index: Index) -> None:
        if isinstance(header := index.data(HeaderRole), Header):
            paint_header(painter, option, header)
            return
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
        lines = self.line_count()
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
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        _paint_badge(painter, box, option, index.data(ResultRole), self.show_score or hovered)
        _paint_tile(painter, box, option, index.data(TileRole))
        for n, (text, role) in enumerate(self._texts(index)):
            painter.setPen(palette.color(QPalette.ColorRole.HighlightedText if selected else role))
            top = box.bottom() + 4 + n * text_height
            text_rect = QRect(rect.left() + 4, top, rect.width() - 8, text_height)
            if self.show_tags and n > 0 and n == lines - 1:  # the tags: chips, not words
                names = index.data(TagsRole) or []
                _paint_tag_chips(painter, option, text_rect, names, self.tag_color)
                continue
            elide = Qt.TextElideMode.ElideMiddle if n == 0 else Qt.TextElideMode.ElideRight
            shown = option.fontMetrics.elidedText(text, elide, text_rect.width())
            painter.drawText(text_rect, Qt.AlignmentFlag.AlignCenter, shown)
        if option.state & QStyle.StateFlag.State_HasFocus:
            painter.setPen(palette.color(QPalette.ColorRole.Highlight).darker(130))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect, 6, 6)
        painter.restore()

    def _paint_image(
        self, painter: QPainter, box: QRect, palette: QPalette, pixmap: Any, *, fill: bool = False
    ) -> None:
        if pixmap is None or pixmap.isNull():
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(palette.color(QPalette.ColorRole.Midlight))
            painter.drawRoundedRect(box.adjusted(8, 8, -8, -8), 4, 4)
            return
        scaled = self._fitted(pixmap, box.size(), fill, painter.device().devicePixelRatioF())
        target = QRect(QPoint(0, 0), scaled.deviceIndependentSize().toSize())
        target.moveCenter(box.center())
        painter.drawPixmap(target.topLeft(), scaled)

    def _fitted(self, pixmap: QPixmap, size: QSize, fill: bool, ratio: float) -> QPixmap:
        """``pixmap`` scaled (smoothly) to fit ``size``, or, for square tiles (``fill``), its
        middle cropped to fill it; from a small cache, so a repaint only copies pixels."""
        key = (pixmap.cacheKey(), size.width(), size.height(), fill, ratio)
        found = self._scaled.get(key)
        if found is not None:
            self._scaled.move_to_end(key)
            return found
        pixels = size * ratio
        if fill:  # square tiles: the middle of the picture, cropped to the cell
            source = QRect(QPoint(0, 0), pixels.scaled(pixmap.size(), _INSIDE))
            source.moveCenter(pixmap.rect().center())
            pixmap = pixmap.copy(source)
            mode = Qt.AspectRatioMode.IgnoreAspectRatio
        else:
            mode = Qt.AspectRatioMode.KeepAspectRatio
        found = pixmap.scaled(pixels, mode, Qt.TransformationMode.SmoothTransformation)
        found.setDevicePixelRatio(ratio)
        self._scaled[key] = found
        while len(self._scaled) > SCALED_KEPT:
            self._scaled.popitem(last=False)
        return found


def badge(result: Result | None, score: bool = False) -> str:
    """The short "why matched" badge of a result: its signals other than the picture itself,
    with its score first if ``score`` (on hover, or when tiles show scores), and "offline"
    while its folder's drive or share is away."""
    if result is None:
        return ""
    text = " + ".join(BADGES.get(m, m) for m in result.matched if m != "visual")
    if score and score_text(result.score):
        text = f"{score_text(result.score)} · {text}" if text else score_text(result.score)
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


def _paint_badge(
    painter: QPainter, box: QRect, option: Any, result: Result | None, score: bool = False
) -> None:
    text = badge(result, score)
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


def fit_tag_chips(widths: list[int], available: int, gap: int, more: int) -> int:
    """How many of the chips (``widths``, in order) fit in ``available`` pixels, leaving room
    for a ``more`` wide "+N" chip when some are left out."""
    if sum(widths) + gap * (len(widths) - 1) <= available:
        return len(widths)
    used = 0
    for n, width in enumerate(widths):
        used += width + (gap if n else 0)
        if used + gap + more > available:
            return n
    return len(widths)


def _paint_tag_chips(
    painter: QPainter,
    option: Any,
    row: QRect,
    names: list[str],
    color_of: Callable[[str], str | None],
) -> None:
    """The tile's tags as small rounded chips, centred in ``row``: each in its tag colour
    (uncoloured tags in the palette's button colour), then "+N" for those that do not fit."""
    if not names:
        return
    font = painter.font()
    if font.pointSizeF() > 0:
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.85))
    else:
        font.setPixelSize(max(8, int(font.pixelSize() * 0.85)))
    metrics = QFontMetrics(font)
    pad, gap = 6, 4
    height = min(row.height() - 2, metrics.height() + 2)
    widest = max(12, row.width() - 2 * pad - metrics.horizontalAdvance("+99") - gap)
    widths = [min(metrics.horizontalAdvance(name) + 2 * pad, widest) for name in names]
    more = metrics.horizontalAdvance(f"+{len(names)}") + 2 * pad
    fit = fit_tag_chips(widths, row.width(), gap, more)
    chips = [(name, width) for name, width in zip(names[:fit], widths, strict=False)]
    if fit < len(names):
        chips.append((f"+{len(names) - fit}", more))
    total = sum(width for _, width in chips) + gap * (len(chips) - 1)
    left = row.left() + max(0, (row.width() - total) // 2)
    top = row.top() + (row.height() - height) // 2
    palette: QPalette = option.palette
    painter.save()
    painter.setFont(font)
    for n, (name, width) in enumerate(chips):
        chip = QRect(left, top, width, height)
        left += width + gap
        colour = color_of(name) if n < fit else None
        fill = QColor(colour) if colour else palette.color(QPalette.ColorRole.Button)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(chip, height / 2, height / 2)
        if colour:  # dark words on a light colour, light on a dark one
            ink = QColor("black") if fill.lightnessF() > 0.6 else QColor("white")
        else:
            ink = palette.color(QPalette.ColorRole.ButtonText)
        painter.setPen(ink)
        shown = metrics.elidedText(name, Qt.TextElideMode.ElideRight, width - 2 * pad + 2)
        painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, shown)
    painter.restore()


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
    """A message over an empty grid with the way on: one button ("Show weak matches anyway",
    "Clear filters") and a hint; for an empty library (:meth:`show_first_run`) "Add a
    folder…", the drop zone (the window takes dropped folders) and the sample library."""

    action_requested = Signal()  # the one button, whatever it says
    add_folder_requested = Signal()
    sample_requested = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.text = QLabel(self, alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        self.button = QPushButton(self)
        self.button.clicked.connect(self.action_requested)
        self.add_button = QPushButton("Add a folder…", self)
        self.add_button.setDefault(True)
        self.add_button.clicked.connect(self.add_folder_requested)
        self.hint = QLabel(self, alignment=Qt.AlignmentFlag.AlignCenter)
        self.hint.setEnabled(False)  # greyed: a hint, not a control
        self.sample_button = QPushButton("Try the sample library", self)
        self.sample_button.setFlat(True)
        self.sample_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.sample_button.setStyleSheet("color: palette(link); text-decoration: underline;")
        self.sample_button.setToolTip("Index a few sample photos to see what mmdesk does")
        self.sample_button.clicked.connect(self.sample_requested)
        box = QVBoxLayout(self)
        box.addStretch(1)
        box.addWidget(self.text)
        for widget in (self.button, self.add_button, self.hint, self.sample_button):
            box.addWidget(widget, 0, Qt.AlignmentFlag.AlignHCenter)
        box.addStretch(2)
        parent.installEventFilter(self)  # cover the grid as it resizes
        self.hide()

    def show_message(self, text: str, action: str = "", hint: str = "") -> None:
        self.text.setText(text)
        self.button.setText(action)
        self.button.setVisible(bool(action))
        self.hint.setText(hint)
        self.hint.setVisible(bool(hint))
        self.hint.setStyleSheet("")
        self.add_button.hide()
        self.sample_button.hide()
        self._cover()

    def show_first_run(self) -> None:
        """An empty library: how to add a folder, or try the sample photos."""
        self.show_message(
            "<b>Your library is empty</b><br>Add a folder of photos, videos or sounds to "
            "search them by what they show.",
            hint="or drop a folder here",
        )
        self.hint.setStyleSheet(  # the drop zone
            "border: 2px dashed palette(mid); border-radius: 8px; padding: 14px 36px;"
        )
        self.add_button.show()
        self.sample_button.show()

    def _cover(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self.show()
        self.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        parent = self.parentWidget()
        if parent is not None and watched is parent and event.type() == QEvent.Type.Resize:
            self.setGeometry(parent.rect())
        return super().eventFilter(watched, event)


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
        self._drag_out()

    def _drag_out(self) -> None:
        """Results can be dragged onto a tag or into a file manager, never moved in the grid."""
        self.setMovement(QListView.Movement.Static)  # (this turns dragging off: so first)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)

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
        """Show the date and the score on each tile."""
        self.delegate().facts = on
        self._relayout(self.tile_edge())

    def set_show_date(self, on: bool) -> None:
        """A line with the date taken (else modified) under each tile's name."""
        self.delegate().show_date = on
        self._relayout(self.tile_edge())

    def set_show_score(self, on: bool) -> None:
        """The score in each tile's corner badge, not only on hover."""
        self.delegate().show_score = on
        self.viewport().update()

    def set_show_tags(self, on: bool) -> None:
        """A line with the item's tags under each tile's name."""
        self.delegate().show_tags = on
        self._relayout(self.tile_edge())

    def _relayout(self, edge: int) -> None:
        delegate = self.delegate()
        extra = 0 if delegate.square else CELL.height() - CELL.width()  # the name's line
        if delegate.line_count() > 1:
            extra += (self.fontMetrics().height() + 6) * (delegate.line_count() - 1)
        delegate.cell = QSize(edge, edge + extra)
        self._fit_layout()
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
        shown = (model.index(r, 0).data(ResultRole) for r in rows)
        return [result for result in shown if result is not None]  # never a date header

    # date headers: each a row of its own -------------------------------------------------------
    def setCurrentIndex(self, index: Index) -> None:
        """Make ``index`` current; for a date header, the first result under it."""
        model = self.model()
        if isinstance(model, ResultsModel) and model.header_at(index.row()) is not None:
            index = model.index(index.row() + 1)  # a header always has a result after it
        super().setCurrentIndex(index)

    def reset(self) -> None:
        self._fit_layout()
        super().reset()

    def _fit_layout(self) -> None:
        """With date headers, items are laid out by their own sizes (a header fills a row);
        without, on the fixed grid of tiles (cheaper for thousands of rows)."""
        model = self.model()
        headers = isinstance(model, ResultsModel) and model.timeline is not None
        self.setUniformItemSizes(not headers)
        self.setGridSize(QSize() if headers else self.delegate().cell)

    def current_result(self) -> Result | None:
        index = self.currentIndex()
        return index.data(ResultRole) if index.isValid() else None
