"""The search bar: a debounced query field that also takes a dropped image, plus options.

Options: sort (relevance, newest or oldest first), the relevance cutoff, and how many results
to show. The "Filter" menu sets a date range and a camera; the active filters show as chips
in a row of their own under the field (:mod:`mmdesk.gui.filter_chips`, ``SearchBar.chips``,
placed by the window).
Keys: Esc clears the query (a second Esc, on an empty field, does nothing more), Down moves on
into the results (``results_requested``; the window focuses the grid).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QRegularExpression, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QDragEnterEvent,
    QDropEvent,
    QKeyEvent,
    QRegularExpressionValidator,
)
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSpinBox,
    QToolButton,
    QWidget,
    QWidgetAction,
)

from mmdesk.gui.compat import emit
from mmdesk.gui.filter_chips import FilterChips
from mmdesk.kinds import file_kind

DEBOUNCE_MS = 250
# Scores relative to the best hit: in the default (ConSE/MiniLM) space every photo scores
# 0.15-0.40 against any query, while a real match scores 0.45-0.65; 75 % of the best keeps the
# real matches and drops that background. Measured on the sample library (see the report).
DEFAULT_CUTOFF = 75
DEFAULT_LIMIT = 200
GROUP_GAP, CAPTION_GAP = 12, 4  # pixels between the bar's groups / a caption and its box


@dataclass(frozen=True)
class SearchOptions:
    sort: str = "relevance"
    cutoff: int = DEFAULT_CUTOFF  # percent of the best score a result needs
    limit: int = DEFAULT_LIMIT


_PERIOD = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def period_after(text: str) -> str:
    """The period following a typed one, in the same form: "To 2020" means before "2021",
    "To 2020-12" before "2021-01", "To 2020-02-29" before "2020-03-01" (core's ``before`` is
    the start of a period, so an inclusive "To" asks for the next one)."""
    match = _PERIOD.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"a date is YYYY, YYYY-MM or YYYY-MM-DD (not {text!r})")
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    start = dt.date(year, month or 1, day or 1)  # ValueError for what is no date
    if day is not None:
        return (start + dt.timedelta(days=1)).isoformat()
    if month is not None:
        return f"{year + month // 12:04d}-{month % 12 + 1:02d}"
    return f"{year + 1:04d}"


class FilterPanel(QWidget):
    """The "Filter" menu's form: a date range (From / To, each YYYY[-MM[-DD]], "To" included)
    and a camera."""

    applied = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pattern = QRegularExpression(r"\d{0,4}(-\d{0,2}(-\d{0,2})?)?")
        self.date_from = QLineEdit(self)
        self.date_to = QLineEdit(self)
        for edit, tip in ((self.date_from, "from"), (self.date_to, "up to and including")):
            edit.setPlaceholderText("YYYY[-MM[-DD]]")
            edit.setValidator(QRegularExpressionValidator(pattern, edit))
            edit.setToolTip(f"Taken (else last changed) {tip} this year, month or day")
            edit.returnPressed.connect(lambda: emit(self.applied))
        self.camera = QComboBox(self)
        self.camera.setAccessibleName("Camera")
        self.camera.addItem("Any camera", None)
        self.apply_button = QPushButton("Apply", self)
        self.apply_button.setDefault(True)
        self.apply_button.clicked.connect(lambda: emit(self.applied))
        self.clear_button = QPushButton("Clear", self)
        form = QFormLayout(self)
        form.addRow("From", self.date_from)
        form.addRow("To", self.date_to)
        form.addRow("Camera", self.camera)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.apply_button)
        form.addRow(buttons)

    def set_cameras(self, cameras: list[tuple[str, int]], current: str | None) -> None:
        self.camera.clear()
        self.camera.addItem("Any camera", None)
        for name, count in cameras:
            self.camera.addItem(f"{name}  ({count})", name)
        if current is not None and self.camera.findData(current) < 0:
            self.camera.addItem(current, current)  # chosen before: kept though none is left
        self.camera.setCurrentIndex(max(0, self.camera.findData(current)))

    def valid(self) -> bool:
        """Whether both dates are empty or whole dates."""
        for edit in (self.date_from, self.date_to):
            text = edit.text().strip()
            if text:
                try:
                    period_after(text)
                except ValueError:
                    return False
        return True


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
    filters_edited = Signal()  # the date range or the camera changed (the chips follow)

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
        self.sort.addItem("Newest first", "newest")
        self.sort.addItem("Oldest first", "oldest")
        self.sort.setToolTip("By date: when taken, else when the file was last changed")
        self._date_from: str | None = None
        self._date_to: str | None = None
        self._camera: str | None = None
        self.cameras_of: Callable[[], list[tuple[str, int]]] | None = None  # set by the window
        self.filter_panel = FilterPanel(self)
        self.filter_menu = QMenu(self)
        panel_action = QWidgetAction(self.filter_menu)
        panel_action.setDefaultWidget(self.filter_panel)
        self.filter_menu.addAction(panel_action)
        self.filter_menu.aboutToShow.connect(self._fill_panel)
        self.filter_panel.applied.connect(self._panel_applied)
        self.filter_panel.clear_button.clicked.connect(self._panel_cleared)
        self.filter_button = QToolButton(self)
        self.filter_button.setText("Filter")
        self.filter_button.setToolTip("Only items taken in a date range, or with one camera")
        self.filter_button.setMenu(self.filter_menu)
        self.filter_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.chips = FilterChips(self)
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
        """One row: the field, Filter, then each option with its caption; the same gap
        between groups, a small one between a caption and its box. The chips have a row of
        their own under the toolbar (:func:`chips_row`), so nothing here moves when they
        come and go."""
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 4, 6, 4)
        row.setSpacing(GROUP_GAP)
        row.addWidget(self.edit, 1)
        row.addWidget(self.filter_button)
        for label, widget in (
            ("Sort", self.sort),
            ("Min match", self.cutoff),
            ("Show", self.limit),
        ):
            pair = QHBoxLayout()
            pair.setSpacing(CAPTION_GAP)
            caption = QLabel(label, self)
            caption.setBuddy(widget)
            pair.addWidget(caption)
            pair.addWidget(widget)
            row.addLayout(pair)
        self._row = row

    def add_toggle(self, action: QAction) -> QToolButton:
        """A checkable option (the window's "Group moments") at the end of the row."""
        button = QToolButton(self)
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self._row.addWidget(button)
        return button

    def query(self) -> str:
        return self.edit.text().strip()

    def set_query(self, text: str) -> None:
        self.edit.setText(text)

    def put_query(self, text: str) -> None:
        """Put words in the box (Back, a restart, another view) without searching: the caller
        searches, or shows its own results."""
        self.edit.blockSignals(True)
        self.edit.setText(text)
        self.edit.blockSignals(False)

    def set_sort(self, sort: str) -> None:
        """Put back a sort (Back) without searching: the caller searches once."""
        index = self.sort.findData(sort)
        if index >= 0 and index != self.sort.currentIndex():
            self.sort.blockSignals(True)
            self.sort.setCurrentIndex(index)
            self.sort.blockSignals(False)

    def options(self) -> SearchOptions:
        return SearchOptions(self.sort.currentData(), self.cutoff.value(), self.limit.value())

    def search_now(self) -> None:
        self._timer.stop()
        emit(self.search_requested)

    # the date range and the camera ----------------------------------------------------------
    def date_range(self) -> tuple[str | None, str | None]:
        """(From, To) as typed, "To" included; None where open."""
        return self._date_from, self._date_to

    def after(self) -> str | None:
        """Core's ``Filters.after``: the start of the From period."""
        return self._date_from

    def before(self) -> str | None:
        """Core's ``Filters.before``: the start of the period after To."""
        return period_after(self._date_to) if self._date_to else None

    def camera(self) -> str | None:
        return self._camera

    def set_date_range(self, date_from: str | None, date_to: str | None) -> None:
        """Filter to this range (either end open with None) and search again."""
        for text in (date_from, date_to):
            if text:
                period_after(text)  # ValueError for what is no date
        self._date_from, self._date_to = date_from or None, date_to or None
        self._filters_edited()

    def set_camera(self, camera: str | None) -> None:
        self._camera = camera or None
        self._filters_edited()

    def restore_filters(
        self, date_from: str | None, date_to: str | None, camera: str | None
    ) -> None:
        """Put back a date range and camera (Back, a restart) without searching: the caller
        searches once; a date that is no date is dropped."""
        dates = []
        for text in (date_from, date_to):
            try:
                dates.append(text if text and period_after(text) else None)
            except ValueError:
                dates.append(None)
        self._date_from, self._date_to = dates
        self._camera = camera or None

    def clear_date_range(self) -> None:
        self.set_date_range(None, None)

    def clear_camera(self) -> None:
        self.set_camera(None)

    def _filters_edited(self) -> None:
        emit(self.filters_edited)
        self.search_now()

    def _fill_panel(self) -> None:
        panel = self.filter_panel
        panel.date_from.setText(self._date_from or "")
        panel.date_to.setText(self._date_to or "")
        cameras = self.cameras_of() if self.cameras_of is not None else []
        panel.set_cameras(cameras, self._camera)

    def _panel_applied(self) -> None:
        panel = self.filter_panel
        if not panel.valid():
            panel.apply_button.setToolTip("A date is YYYY, YYYY-MM or YYYY-MM-DD")
            return
        self._date_from = panel.date_from.text().strip() or None
        self._date_to = panel.date_to.text().strip() or None
        self._camera = panel.camera.currentData()
        self.filter_menu.hide()
        self._filters_edited()

    def _panel_cleared(self) -> None:
        self._date_from = self._date_to = self._camera = None
        self.filter_menu.hide()
        self._filters_edited()

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
