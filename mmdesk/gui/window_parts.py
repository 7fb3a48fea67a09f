"""What the main window's mixins use of the window, declared for the type checker only.

:class:`~mmdesk.gui.search_actions.SearchActions`,
:class:`~mmdesk.gui.library_actions.LibraryActions`, :class:`~mmdesk.gui.refreshing.Refreshing`
and :class:`~mmdesk.gui.settings_actions.SettingsActions` are mixins of
:class:`mmdesk.gui.window.MainWindow`: through ``self`` they reach the window's widgets, its
runner and each other's methods. While type checking they derive from :class:`WindowParts`,
which declares those names; at run time ``WindowParts`` is plain ``object``, so the window's
classes and method resolution order are exactly as written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path
    from typing import ClassVar

    from PySide6.QtCore import QSettings, Signal
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QMainWindow, QScrollArea

    from mmdesk.config import Settings
    from mmdesk.core.library import Library
    from mmdesk.gui.feeds import Feed
    from mmdesk.gui.notices import NoticeBar
    from mmdesk.gui.paging import Paging
    from mmdesk.gui.preview import PreviewPane
    from mmdesk.gui.results import ResultsModel, ResultsView
    from mmdesk.gui.searchbar import SearchBar
    from mmdesk.gui.sidebar import Sidebar
    from mmdesk.gui.statusbar import IndexProgress, LibrarySummary
    from mmdesk.gui.tasks import TaskRunner
    from mmdesk.gui.thumbs import Thumbnails
    from mmdesk.gui.undo import UndoHistory

    class WindowParts(QMainWindow):
        """The window's attributes, signals and methods that the mixins rely on."""

        results_shown: ClassVar[Signal]
        library_changed: ClassVar[Signal]
        index_finished: ClassVar[Signal]

        settings: Settings
        qsettings: QSettings
        library: Library
        paging: Paging  # browsing pages, "Show more" of ranked results
        runner: TaskRunner
        searchbar: SearchBar
        sidebar: Sidebar
        model: ResultsModel
        view: ResultsView
        preview: PreviewPane
        preview_area: QScrollArea
        progress: IndexProgress
        summary: LibrarySummary
        feeds: list[Feed]
        group_action: QAction
        thumbs: Thumbnails
        undo: UndoHistory  # Edit > Undo / Redo (tag edits, folder removal)
        notices: NoticeBar

        # MainWindow
        def say(self, text: str) -> None: ...
        def show_error(self, exc: object) -> None: ...

        # used across the mixins
        def run_search(self) -> None: ...
        def update_preview(self) -> None: ...
        def rescan_all(self) -> None: ...
        def choose_folder(self) -> None: ...
        def add_folder(self, folder: Path) -> None: ...
else:
    WindowParts = object
