"""What the window tells the person that must not flash by: the indexing summary, and why
the grid is empty.

The status line is rewritten by every search, so a summary shown there ("indexed 226 · 3
unreadable") flashes by. :class:`NoticeBar` sits in the status bar beside it and keeps its
text until its × is clicked or a newer notice replaces it; with unreadable files it offers
"Show problems" (the problems view). :func:`explain_empty` picks what an empty grid says: how
to start (an empty library), that indexing is under way, or that the filters match nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

from mmdesk.core.indexing import IndexReport
from mmdesk.gui.compat import emit

if TYPE_CHECKING:
    from mmdesk.gui.window import MainWindow


def report_text(report: IndexReport) -> str:
    """'Indexing done: 226 new · 12 unchanged · 3 unreadable · 1 missing (4.2 s)'."""
    what = "stopped" if report.cancelled else "done"
    parts = [f"{report.indexed:,} new", f"{report.skipped:,} unchanged"]
    if report.moved:
        parts.append(f"{report.moved:,} moved")
    if report.errors:
        parts.append(f"{report.errors:,} unreadable")
    if report.missing:
        parts.append(f"{report.missing:,} missing")
    return f"Indexing {what}: {' · '.join(parts)} ({report.seconds:.1f} s)"


class NoticeBar(QFrame):
    """One lasting message with an optional link and a close button; hidden when closed."""

    link_clicked = Signal()
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notice-bar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.text = QLabel(self)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.link = QToolButton(self)
        self.link.setAutoRaise(True)
        self.link.setCursor(Qt.CursorShape.PointingHandCursor)
        self.close_button = QToolButton(self)
        self.close_button.setText("×")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Dismiss")
        self.close_button.setAccessibleName("Dismiss notice")
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 0, 2, 0)
        for widget in (self.text, self.link, self.close_button):
            row.addWidget(widget)
        self.link.clicked.connect(lambda: emit(self.link_clicked))
        self.close_button.clicked.connect(self.dismiss)
        self.hide()

    def show_notice(self, text: str, link: str = "") -> None:
        """Show ``text`` (and a ``link`` button when given) until dismissed or replaced."""
        self.text.setText(text)
        self.setToolTip(text)
        self.link.setText(link)
        self.link.setVisible(bool(link))
        self.show()

    def show_report(self, report: IndexReport) -> None:
        """The end of an index run, with "Show problems" when files could not be read."""
        warn = "⚠ " if report.errors else ""
        self.show_notice(warn + report_text(report), "Show problems" if report.errors else "")

    def dismiss(self) -> None:
        self.hide()
        emit(self.dismissed)


def install(window: MainWindow) -> NoticeBar:
    """The window's notice bar, left of the status line; it shows every index run's end."""
    bar = NoticeBar(window)
    window.statusBar().insertWidget(0, bar)
    window.index_finished.connect(
        lambda report: bar.show_report(report) if isinstance(report, IndexReport) else None
    )
    return bar


def explain_empty(window: MainWindow, query: str, similar: str | int | None) -> None:
    """Say over the empty grid why nothing shows, with the way on (small reads: the library's
    folders, and its item count when it has folders)."""
    if not window.library.library_roots():
        window.view.empty.show_first_run()
    elif filtered(window):
        what = (
            f"Nothing matches “{query}” with these filters"
            if query
            else "Nothing matches these filters"
        )
        window.show_empty(what, "Clear filters", window.clear_filters)
    elif similar is not None:
        window.show_empty("Nothing similar found")
    elif query:
        window.show_empty(f"No results for “{query}”")
    elif sum(window.library.items_by_kind().values()):
        window.show_empty("Nothing to show")
    elif window.runner.busy:
        window.show_empty(
            "Indexing is under way",
            hint="Photos, videos and sounds appear here as they are read.",
        )
    else:
        window.show_empty(
            "No photos, videos or sounds found in your folders yet",
            "Re-scan folders",
            window.rescan_all,
            "Files that could not be read are listed in View → Problems…",
        )


def filtered(window: MainWindow) -> bool:
    """Whether any filter is on: the sidebar's folders, tags, kinds, or the search bar's date
    range and camera."""
    bar, side = window.searchbar, window.sidebar
    dates = getattr(bar, "date_range", None)
    camera = getattr(bar, "camera", None)
    return bool(
        side.selected_folders()
        or side.selected_tags()
        or side.selected_kinds()
        or (callable(dates) and any(dates()))
        or (callable(camera) and camera())
    )
