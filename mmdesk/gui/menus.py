"""Menus, the toolbar and keyboard shortcuts of the main window."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QMenu, QStyle, QToolBar, QWidget

from mmdesk.config import RESOURCES

if TYPE_CHECKING:
    from collections.abc import Callable

    from mmdesk.gui.window import MainWindow

ICONS = RESOURCES / "icons"


def icon(name: str, fallback: QStyle.StandardPixmap, widget: QWidget) -> QIcon:
    """Our SVG icon if present, else the platform's standard one."""
    path = ICONS / f"{name}.svg"
    return QIcon(str(path)) if path.exists() else widget.style().standardIcon(fallback)


def _action(
    window: MainWindow,
    text: str,
    slot: Callable[[], object],
    shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
    tip: str = "",
) -> QAction:
    action = QAction(text, window)
    action.triggered.connect(lambda *_: slot())
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.setStatusTip(tip)
    return action


def search_toolbar(window: MainWindow, searchbar: QWidget) -> QToolBar:
    """The top bar: add folder, re-scan, and the search bar taking the rest."""
    bar = QToolBar("Search", window)
    bar.setObjectName("search-toolbar")
    bar.setMovable(False)
    bar.setIconSize(QSize(22, 22))
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
    window.add_action = _action(
        window,
        "&Add folder…",
        window.choose_folder,
        QKeySequence.StandardKey.Open,
        "Add a folder of photos",
    )
    window.add_action.setIcon(icon("add-folder", QStyle.StandardPixmap.SP_DirOpenIcon, window))
    window.rescan_action = _action(
        window,
        "&Re-scan all folders",
        window.rescan_all,
        "F5",
        "Look for new, changed and removed photos",
    )
    window.rescan_action.setIcon(icon("rescan", QStyle.StandardPixmap.SP_BrowserReload, window))
    bar.addAction(window.add_action)
    bar.addAction(window.rescan_action)
    bar.addWidget(searchbar)
    return bar


def install(window: MainWindow) -> None:
    """The menu bar; shortcuts live on actions so they work wherever focus is."""
    menu = window.menuBar()
    file_menu = menu.addMenu("&File")
    file_menu.addAction(window.add_action)
    file_menu.addAction(window.rescan_action)
    file_menu.addSeparator()
    file_menu.addAction(_action(window, "&Quit", window.close, QKeySequence.StandardKey.Quit))

    edit = menu.addMenu("&Edit")
    edit.addAction(
        _action(
            window, "&Find", window.searchbar.focus, QKeySequence.StandardKey.Find, "Type a search"
        )
    )
    select_all = _action(
        window, "Select &all", window.view.selectAll, QKeySequence.StandardKey.SelectAll
    )
    select_all.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    window.view.addAction(select_all)
    edit.addAction(select_all)
    edit.addAction(_action(window, "&More like this", window.more_like_selected, "Ctrl+M"))
    window.addAction(edit.actions()[0])
    _label_actions(window, edit)

    view = menu.addMenu("&View")
    view.addAction(_action(window, "Show/hide &preview", window.toggle_preview, "Ctrl+P"))
    view.addAction(window.group_action)  # each video or recording once, at its best moment

    tools = menu.addMenu("&Tools")
    tools.addAction(
        _action(window, "&Train tags…", window.show_training, "Ctrl+Shift+L", "Learn your tags")
    )
    tools.addAction(
        _action(
            window,
            "&Review tag…",
            lambda: window.show_review(),
            "Ctrl+R",
            "Confirm or reject what a classifier predicts",
        )
    )
    tools.addSeparator()
    tools.addAction(_action(window, "&Plugins…", window.show_plugins))
    tools.addAction(
        _action(window, "&Settings…", window.show_settings, QKeySequence.StandardKey.Preferences)
    )
    _results_menu(window)


def _label_actions(window: MainWindow, edit: QMenu) -> None:
    """Tag, or mark as not, every selected result at once (search results in bulk)."""
    edit.addSeparator()
    edit.addAction(
        _action(
            window,
            "&Tag selection…",
            lambda: window.tag_selection_prompt("tag"),
            "Ctrl+T",
            "Say every selected photo is a tag",
        )
    )
    edit.addAction(
        _action(
            window,
            "Mark selection as &not…",
            lambda: window.tag_selection_prompt("not"),
            "Ctrl+Shift+T",
            "Say every selected photo is not a tag: negative examples for training",
        )
    )


def _results_menu(window: MainWindow) -> None:
    """Right-click on a result: open, reveal, more like this."""
    view = window.view
    view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

    def popup(pos: QPoint) -> None:
        if not view.indexAt(pos).isValid():
            return
        menu = QMenu(view)
        menu.addAction("Open", window.open_selected)
        menu.addAction("Show in folder", window.reveal_selected)
        menu.addAction("More like this", window.more_like_selected)
        menu.addSeparator()
        menu.addAction("Tag…", lambda: window.tag_selection_prompt("tag"))
        menu.addAction("Mark as not…", lambda: window.tag_selection_prompt("not"))
        people = getattr(window, "people_view", None)
        if people is not None and people.showing is not None:
            menu.addSeparator()
            menu.addAction(f"Not {people.showing_name()}", people.split_selected)
        menu.exec(view.viewport().mapToGlobal(pos))
        menu.deleteLater()

    view.customContextMenuRequested.connect(popup)
