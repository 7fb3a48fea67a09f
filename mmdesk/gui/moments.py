"""Places to jump to in a video or sound: the strip of matching moments, and the transcript.

Both sit under the preview's player and only ask it to seek (``seek_requested``, seconds);
neither knows the player. The strip can also copy where the player is as text a person can
paste into notes (``/path/clip.mp4 @ 00:01:23.4``) or a chat (``1:23``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QIcon
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mmdesk.core.search import Result
from mmdesk.core.search.results import timestamp
from mmdesk.gui.compat import emit
from mmdesk.gui.results import clock, thumbnail_of, time_range
from mmdesk.gui.thumbs import Thumbnails

StartRole = Qt.ItemDataRole.UserRole + 1
ICON = QSize(64, 36)


def copy_text(path: str, seconds: float) -> str:
    """What "Copy timestamp" puts on the clipboard."""
    return f"{path} @ {timestamp(seconds)}"


@dataclass(frozen=True)
class Segment:
    """A stretch of transcript: where it is said and what."""

    start: float
    end: float | None
    text: str


def transcript_segments(
    texts: list[dict[str, Any]], start: float | None, end: float | None
) -> list[Segment]:
    """The transcript texts of one item (a timed stretch of a sound track) as segments."""
    return [
        Segment(start or 0.0, end, " ".join(str(t["text"]).split()))
        for t in texts
        if t.get("source") == "transcript" and str(t.get("text") or "").strip()
    ]


class MomentsStrip(QWidget):
    """Thumbnails of the file's matching moments in time order; a click seeks there."""

    seek_requested = Signal(float)

    def __init__(self, thumbs: Thumbnails, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.thumbs = thumbs
        self.path = ""
        self.position = 0.0
        self._moments: list[Result] = []
        self.title = QLabel(self)
        self.list = QListWidget(self)
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setFlow(QListView.Flow.LeftToRight)
        self.list.setWrapping(False)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setIconSize(ICON)
        self.list.setGridSize(QSize(ICON.width() + 12, ICON.height() + 24))
        self.list.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setFixedHeight(ICON.height() + 44)
        self.list.setAccessibleName("Matching moments")
        self.list.itemClicked.connect(self._clicked)
        self.list.itemActivated.connect(self._clicked)
        self.copy_button = QToolButton(self)
        self.copy_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.copy_action = QAction("Copy timestamp", self)
        self.copy_action.setToolTip("Copy the file and where the player is: path @ 00:01:23.4")
        self.copy_action.triggered.connect(lambda: self.copy_timestamp())
        self.copy_clock = QAction("Copy time as 1:23", self)
        self.copy_clock.triggered.connect(lambda: self.copy_timestamp(short=True))
        self.copy_button.setDefaultAction(self.copy_action)
        self.copy_button.addAction(self.copy_clock)
        self._layout()
        thumbs.ready.connect(self._thumbnail_ready)

    def _layout(self) -> None:
        side = QVBoxLayout()
        side.addWidget(self.title)
        side.addWidget(self.copy_button)
        side.addStretch(1)
        box = QHBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.list, 1)
        box.addLayout(side)

    def show_moments(self, moments: list[Result], current: Result | None = None) -> None:
        """The moments of one file (any order; shown by time), ``current`` selected."""
        timed = sorted(moments, key=lambda r: (r.start is None, r.start or 0.0))
        self._moments = timed
        self.path = timed[0].path if timed else ""
        self.position = (current.start or 0.0) if current is not None else 0.0
        self.list.clear()
        for result in timed:
            item = QListWidgetItem(clock(result.start) or "whole", self.list)
            item.setData(StartRole, result.start or 0.0)
            item.setToolTip(_moment_tip(result))
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            if result == current:
                self.list.setCurrentItem(item)
        many = len(timed) > 1
        self.title.setText(f"<b>{len(timed)} moments</b>" if many else "")
        self.list.setVisible(many)
        self.copy_button.setEnabled(bool(timed))
        self._load_icons()

    def moments(self) -> list[float]:
        """The starts shown, in order (seconds)."""
        return [float(self.list.item(i).data(StartRole)) for i in range(self.list.count())]

    def set_position(self, seconds: float) -> None:
        """Where the player is now: what "Copy timestamp" copies."""
        self.position = seconds

    def copy_timestamp(self, *, short: bool = False) -> str:
        """Put where the player is on the clipboard; returns the text."""
        text = clock(self.position) if short else copy_text(self.path, self.position)
        clipboard = QGuiApplication.clipboard()
        if self.path and clipboard is not None:
            clipboard.setText(text)
        return text

    def _clicked(self, item: QListWidgetItem) -> None:
        seconds = float(item.data(StartRole))
        self.position = seconds
        emit(self.seek_requested, seconds)

    def _load_icons(self) -> None:
        for row, result in enumerate(self._moments):
            pixmap = thumbnail_of(self.thumbs, result)
            if pixmap is not None:
                self.list.item(row).setIcon(QIcon(pixmap))

    def _thumbnail_ready(self, path: str) -> None:
        if path == self.path:
            self._load_icons()


def _moment_tip(result: Result) -> str:
    lines = [f"{Path(result.path).name} at {time_range(result) or 'the whole file'}"]
    if result.snippet:
        lines.append(f"“{result.snippet[:200]}”")
    if result.matched:
        lines.append(f"matched by {', '.join(result.matched)}")
    return "\n".join(lines)


class TranscriptList(QListWidget):
    """What is said in the file, one line per segment; a click seeks to its start."""

    seek_requested = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setAccessibleName("Transcript")
        self.itemClicked.connect(self._clicked)
        self.itemActivated.connect(self._clicked)

    def show_segments(self, segments: list[Segment]) -> None:
        self.clear()
        for segment in sorted(segments, key=lambda s: s.start):
            item = QListWidgetItem(f"{clock(segment.start)}  {segment.text}", self)
            item.setData(StartRole, segment.start)
            item.setToolTip(segment.text)
        self.setVisible(bool(segments))

    def starts(self) -> list[float]:
        return [float(self.item(i).data(StartRole)) for i in range(self.count())]

    def _clicked(self, item: QListWidgetItem) -> None:
        emit(self.seek_requested, float(item.data(StartRole)))
