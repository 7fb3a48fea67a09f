"""The main window: sidebar | results grid | preview, with the search bar on top and the row
of its filter chips under it (always there, so nothing moves when chips come and go).

The window wires widgets to the task runner. It reads small things (sidebar counts, a
preview's tags) on its own Library, sends searches to the reader and every write to the writer;
its views refresh from the Changes the writer reports (:mod:`mmdesk.gui.refreshing`). It
restores its geometry, splitter sizes, last query and the search bar's options and filters
(sort, cutoff, limit, date range, camera) from QSettings.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import SupportsIndex, SupportsInt

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QToolBar,
    QWidget,
)

from mmdesk.config import Settings
from mmdesk.core.library import Library
from mmdesk.core.thumbnails import PREVIEW_EDGE, thumbs_dir
from mmdesk.errors import MmdeskError
from mmdesk.gui import menus, notices
from mmdesk.gui.dialogs import error_text, show_unexpected
from mmdesk.gui.filter_chips import install as install_chips
from mmdesk.gui.keyword_sets import KeywordSets
from mmdesk.gui.library_actions import LibraryActions
from mmdesk.gui.local_server import LocalServer
from mmdesk.gui.paging import Paging
from mmdesk.gui.people import PeopleView
from mmdesk.gui.preview import PreviewPane
from mmdesk.gui.problems import show_problems
from mmdesk.gui.refreshing import Refreshing
from mmdesk.gui.results import CELL, ResultsModel, ResultsView
from mmdesk.gui.search_actions import SearchActions
from mmdesk.gui.searchbar import SearchBar, dropped_image
from mmdesk.gui.settings_actions import SettingsActions
from mmdesk.gui.sidebar import Sidebar
from mmdesk.gui.statusbar import IndexProgress, LibrarySummary
from mmdesk.gui.tag_box import Tagger
from mmdesk.gui.tag_manager import TagManager
from mmdesk.gui.tasks import TaskRunner
from mmdesk.gui.thumbs import Thumbnails
from mmdesk.gui.timeline import Scrubber, beside
from mmdesk.gui.training_actions import TrainingActions
from mmdesk.gui.undo import UndoHistory
from mmdesk.gui.watching import Watching

log = logging.getLogger(__name__)


def setting_int(value: object) -> int:
    """``int(value)`` for a QSettings value, which the bindings type as ``object``.

    An ini file gives back strings ("30"), a fresh default is an int; anything else fails as
    ``int()`` itself would.
    """
    if isinstance(value, (str, bytes, bytearray, SupportsInt, SupportsIndex)):
        return int(value)
    raise TypeError(f"int() argument must be a string or a number, not {type(value).__name__!r}")


def setting_text(value: object) -> str | None:
    """A QSettings string, None where it is unset or empty."""
    return str(value) if value not in (None, "") else None


FILTER_KEYS = ("date_from", "date_to", "camera")  # the search bar's filters, under search/


class MainWindow(
    SearchActions, LibraryActions, TrainingActions, SettingsActions, Refreshing, QMainWindow
):
    """One library, one window. ``close()`` stops every background thread it started."""

    results_shown = Signal(int)  # number of results now in the grid
    library_changed = Signal()  # the sidebar was refreshed from Changes
    index_finished = Signal(object)  # IndexReport, or the exception that stopped it

    add_action: QAction  # set by menus.search_toolbar
    rescan_action: QAction

    def __init__(
        self, settings: Settings, qsettings: QSettings | None = None, parent: QWidget | None = None
    ) -> None:
        """Open ``settings``' library (resolved once by the caller) in a new window."""
        super().__init__(parent)
        self.settings = settings
        self.qsettings = qsettings or QSettings(
            str(settings.data_dir / "gui.ini"), QSettings.Format.IniFormat
        )
        self.library = Library(settings)
        self.runner = TaskRunner(settings, self.library.registry, self)
        self.runner.error.connect(self.show_error)
        self.local_server = LocalServer(settings, self.runner, self)  # answers `mmdesk search`
        thumbs = thumbs_dir(settings.cache_dir)  # indexing saves photos' grid thumbnails here
        self.thumbs = Thumbnails(self.runner, thumbs, parent=self)
        self.previews = Thumbnails(self.runner, thumbs, PREVIEW_EDGE, capacity=6, parent=self)
        self._build()
        install_chips(self)  # the search bar's filter chips, folder counts, cameras
        self._init_search()
        self._tidy_toolbar()
        self.paging = Paging(self)  # browsing shows every item, a page at a time
        self._init_library()
        self._init_training()
        self._init_settings()
        self._init_feeds()
        self.model.modelReset.connect(self.refresh_tile_tags)  # tiles' tags, a page at a time
        self.model.rowsInserted.connect(
            lambda _, first, last: self.read_tile_tags(self.model.item_ids(first, last))
        )
        self.tagger = Tagger(self)  # Ctrl+T: the tag box
        self.keyword_sets = KeywordSets(self)  # keys 1-9 in the grid
        self.people_view = PeopleView(self)
        self.undo = UndoHistory(self)  # Edit > Undo / Redo: tag edits, folder removal
        self.tag_manager = TagManager(self)  # the sidebar's tag menu, items dropped on tags
        self.notices = notices.install(self)  # the index summary, until dismissed
        self.notices.link_clicked.connect(lambda: show_problems(self))
        menus.install(self)
        self.watching = Watching(self)  # library folders kept current (File menu toggle)
        self._restore()
        self.setAcceptDrops(True)
        self.refresh_sidebar()
        self.refresh_summary()
        if settings.notes:
            self.say("; ".join(settings.notes))
        QTimer.singleShot(0, self.run_search)

    def _build(self) -> None:
        self.setWindowTitle("mmdesk")
        self.searchbar = SearchBar(self)
        self.sidebar = Sidebar(self)
        self.model = ResultsModel(self.thumbs, self)
        self.view = ResultsView(self)
        self.view.setModel(self.model)
        self.view.delegate().tag_color = self.sidebar.shown_color  # tiles' tag chips
        self.library_changed.connect(self.view.viewport().update)  # colours may have changed
        self.scrubber = Scrubber(self)  # the timeline's months beside the grid, when browsing
        self.preview = PreviewPane(self.previews, self)
        # A video's player, moments and transcript can be taller than a small screen: the
        # preview scrolls instead of stretching the window.
        self.preview_area = QScrollArea(self)
        self.preview_area.setWidget(self.preview)
        self.preview_area.setWidgetResizable(True)
        self.preview_area.setFrameShape(QFrame.Shape.NoFrame)
        self.preview_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        grid = beside(self.view, self.scrubber)
        for widget, stretch in ((self.sidebar, 0), (grid, 1), (self.preview_area, 0)):
            self.splitter.addWidget(widget)
            self.splitter.setStretchFactor(self.splitter.count() - 1, stretch)
        self.splitter.setSizes([230, 820, 340])
        self.sidebar.setMinimumWidth(150)
        self.view.setMinimumWidth(CELL.width() + 40)  # at least one column of results
        self.preview_area.setMinimumWidth(240)
        self.splitter.setChildrenCollapsible(False)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, menus.search_toolbar(self, self.searchbar))
        self.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, menus.chips_toolbar(self))
        self.setCentralWidget(self.splitter)
        self.progress = IndexProgress(self)
        self.message = QLabel(self)
        self.summary = LibrarySummary(self)
        self.statusBar().addWidget(self.message, 1)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.summary)

    def _tidy_toolbar(self) -> None:
        """ "Group moments" on the search bar's own row, after its other options (the
        toolbar would centre it apart from them)."""
        toolbar = self.findChild(QToolBar, "search-toolbar")
        if toolbar is not None:
            toolbar.removeAction(self.group_action)
        self.searchbar.add_toggle(self.group_action)

    # messages -------------------------------------------------------------------------------
    def say(self, text: str) -> None:
        """A status line that stays until replaced (errors included), so nothing flashes by."""
        self.message.setText(text)
        self.message.setToolTip(text)

    def show_error(self, exc: object) -> None:
        """Our own errors go to the status bar as written; unexpected ones get a dialog."""
        if isinstance(exc, MmdeskError):
            self.say(f"⚠ {error_text(exc)}")
        elif isinstance(exc, BaseException):
            self.say(f"⚠ {error_text(exc)}")
            show_unexpected(exc, self)

    # drag and drop ----------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if dropped_image(event) or any(Path(u.toLocalFile()).is_dir() for u in mime.urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        folders = [
            Path(u.toLocalFile())
            for u in event.mimeData().urls()
            if u.isLocalFile() and Path(u.toLocalFile()).is_dir()
        ]
        for folder in folders:
            self.add_folder(folder)
        image = dropped_image(event)
        if image and not folders:
            self.search_similar(str(image))
        event.acceptProposedAction()

    # persistence ------------------------------------------------------------------------------
    def _restore(self) -> None:
        q = self.qsettings
        if isinstance(q.value("window/geometry"), QByteArray):
            self.restoreGeometry(q.value("window/geometry"))
        else:
            self.resize(1320, 820)
        if isinstance(q.value("window/state"), QByteArray):
            self.restoreState(q.value("window/state"))
        if isinstance(q.value("window/splitter"), QByteArray):
            self.splitter.restoreState(q.value("window/splitter"))
        bar = self.searchbar
        sort = str(q.value("search/sort", "relevance"))
        sort = "newest" if sort == "date" else sort  # the name before "oldest" was offered
        bar.sort.setCurrentIndex(max(0, bar.sort.findData(sort)))
        bar.cutoff.setValue(setting_int(q.value("search/cutoff", bar.cutoff.value())))
        bar.limit.setValue(setting_int(q.value("search/limit", bar.limit.value())))
        bar.put_query(str(q.value("search/query", "")))
        bar.restore_filters(*(setting_text(q.value(f"search/{k}")) for k in FILTER_KEYS))
        self.preview_area.setVisible(q.value("window/preview", "true") in (True, "true"))

    def _save(self) -> None:
        q = self.qsettings
        q.setValue("window/geometry", self.saveGeometry())
        q.setValue("window/state", self.saveState())
        q.setValue("window/splitter", self.splitter.saveState())
        q.setValue("window/preview", not self.preview_area.isHidden())
        options = self.searchbar.options()
        q.setValue("search/query", self.searchbar.query())
        q.setValue("search/sort", options.sort)
        q.setValue("search/cutoff", options.cutoff)
        q.setValue("search/limit", options.limit)
        bar = self.searchbar
        for key, value in zip(FILTER_KEYS, (*bar.date_range(), bar.camera()), strict=True):
            q.setValue(f"search/{key}", value or "")  # "" for none: ini files keep no None
        q.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._save()
        for feed in self.feeds:
            feed.stop()
        self.watching.stop()
        self.local_server.stop()
        self.runner.shutdown()
        self.library.close()
        super().closeEvent(event)
