"""The search bar: a debounced query field that also takes a dropped image, plus options.

Options: sort (relevance or date), the relevance cutoff, and how many results to show.
Keys: Esc clears the query (a second Esc, on an empty field, does nothing more), Down moves on
into the results (``results_requested``; the window focuses the grid).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeyEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QSpinBox, QWidget

from mmdesk.gui.compat import emit
from mmdesk.kinds import file_kind

DEBOUNCE_MS = 250
# Scores relative to the best hit: in the default (ConSE/MiniLM) space every photo scores
# 0.15-0.40 against any query, while a real match scores 0.45-0.65; 75 % of the best keeps the
# real matches and drops that background. Measured on the sample library (see the report).
DEFAULT_CUTOFF = 75
DEFAULT_LIMIT = 200


@dataclass(frozen=True)
class SearchOptions:
    sort: str = "relevance"
    cutoff: int = DEFAULT_CUTOFF  # percent of the best score a result needs
    limit: int = DEFAULT_LIMIT


def dropped_image(event: QDragEnterEvent | QDropEvent) -> Path | None:
    """The first local image file in a drag, if any."""
    mime = event.mimeData()
    for url in mime.urls() if mime.hasUrls() else []:
        path = Path(url.toLocalFile())
        if url.isLocalFile() and path.is_file() and file_kind(path) == "image":
            return path
    return None


class QueryEdit(QLineEdit):
    """A line edit that turns a dropped image file into a similarity search; Esc clears it,
    Down asks for the results."""

    image_dropped = Signal(str)
    down_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
        elif event.key() == Qt.Key.Key_Down:
            emit(self.down_pressed)
        else:
            super().keyPressEvent(event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_image(event):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        path = dropped_image(event)
        if path is None:
            super().dropEvent(event)
            return
        event.acceptProposedAction()
        emit(self.image_dropped, str(path))


class SearchBar(QWidget):
    """Emits ``search_requested`` 250 ms after typing stops, or at once when options change."""

    search_requested = Signal()
    similar_requested = Signal(str)
    results_requested = Signal()  # Down in the query field: move on into the results

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QueryEdit(self)
        self.edit.setPlaceholderText(
            "Search your photos by meaning — or drop a photo here to find similar ones"
        )
        self.edit.setClearButtonEnabled(True)
        self.edit.setAccessibleName("Search")
        self.edit.setMinimumWidth(220)
        self.sort = QComboBox(self)
        self.sort.addItem("Relevance", "relevance")
        self.sort.addItem("Date", "date")
        self.cutoff = _spin(
            self,
            0,
            100,
            DEFAULT_CUTOFF,
            " %",
            "Hide results scoring under this share of the best match.\n"
            "0 % shows everything, weak matches included.",
        )
        self.limit = _spin(self, 10, 20000, DEFAULT_LIMIT, "", "How many results to show at most")
        self.limit.setSingleStep(50)
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self.search_requested)
        self._layout()
        self.edit.textChanged.connect(lambda _: self._timer.start())
        self.edit.returnPressed.connect(self.search_now)
        self.edit.image_dropped.connect(self.similar_requested)
        self.edit.down_pressed.connect(self.results_requested)
        self.sort.currentIndexChanged.connect(lambda _: self.search_now())
        self.cutoff.valueChanged.connect(lambda _: self._timer.start())
        self.limit.valueChanged.connect(lambda _: self._timer.start())

    def _layout(self) -> None:
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 6, 6, 6)
        row.addWidget(self.edit, 1)
        for label, widget in (
            ("Sort", self.sort),
            ("Min match", self.cutoff),
            ("Show", self.limit),
        ):
            caption = QLabel(label, self)
            caption.setBuddy(widget)
            row.addWidget(caption)
            row.addWidget(widget)

    def query(self) -> str:
        return self.edit.text().strip()

    def set_query(self, text: str) -> None:
        self.edit.setText(text)

    def options(self) -> SearchOptions:
        return SearchOptions(self.sort.currentData(), self.cutoff.value(), self.limit.value())

    def search_now(self) -> None:
        self._timer.stop()
        emit(self.search_requested)

    def focus(self) -> None:
        self.edit.setFocus()
        self.edit.selectAll()


def _spin(parent: QWidget, low: int, high: int, value: int, suffix: str, tip: str) -> QSpinBox:
    spin = QSpinBox(parent)
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setSuffix(suffix)
    spin.setToolTip(tip)
    return spin
