"""Menus, the toolbar and keyboard shortcuts of the main window.

The View menu holds the viewer (Enter in the grid; Ctrl+O opens externally instead), the tile
size (also a slider in the status bar and Ctrl+wheel; remembered in the GUI settings), square
tiles, the date, score and tags on tiles, and rotation; the Edit menu the tag box (Ctrl+T /
Ctrl+K) and the keyword sets (keys 1-9 in the grid); the Help menu the keyboard shortcuts and
About. Keys: Down goes from the search box into the grid, and Tab goes search → grid → preview.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QMenu, QSlider, QStyle, QToolBar, QWidget

from mmdesk.config import RESOURCES
from mmdesk.gui.filter_chips import ChipsRow
from mmdesk.gui.problems import show_problems
from mmdesk.gui.results import TILE_EDGES

if TYPE_CHECKING:
    from collections.abc import Callable

    from mmdesk.gui.window import MainWindow

ICONS = RESOURCES / "icons"
TILE_KEY, SQUARE_KEY, FACTS_KEY = "grid/tile_edge", "grid/square", "grid/facts"
DATE_KEY, SCORE_KEY, TAGS_KEY = "grid/show_date", "grid/show_score", "grid/show_tags"
# Keys that are not menu actions (the grid's and the viewer's own), for the shortcuts dialog.
OTHER_KEYS = [
    ("Enter / double-click", "View the result large"),
    ("Space", "Quick look (Space again closes it)"),
    ("Left / Right", "Previous / next result in the viewer"),
    ("Esc", "Back to the grid from the viewer; in the search box, clear the search"),
    ("F / F11", "Full screen in the viewer"),
    ("0 / 1", "Zoom to fit / 100 % in the viewer"),
    ("Wheel / Ctrl+wheel", "Zoom the photo (viewer) / change the tile size (grid)"),
    ("Down", "From the search box into the results"),
    ("Mouse back / forward buttons", "Back / Forward through what the grid showed"),
    ("Tab", "Search → results → preview"),
]


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
        "Ctrl+Shift+O",
        "Add a folder of photos",  # Ctrl+O opens the selection externally
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


def chips_toolbar(window: MainWindow) -> QToolBar:
    """The row under the search bar with its filter chips (always there: nothing jumps)."""
    bar = QToolBar("Filters", window)
    bar.setObjectName("filters-toolbar")
    bar.setMovable(False)
    bar.setFloatable(False)
    bar.toggleViewAction().setEnabled(False)
    bar.setContentsMargins(0, 0, 0, 0)
    bar.setStyleSheet("QToolBar#filters-toolbar { border: none; padding: 0px; }")
    bar.addWidget(ChipsRow(window.searchbar.chips, window.searchbar.edit, bar))
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
    edit.addActions(window.undo.actions())  # tag edits and folder removal (mmdesk.gui.undo)
    window.addActions(window.undo.actions())
    edit.addSeparator()
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
    _view_items(window, view)
    view.addSeparator()
    view.addAction(
        _action(window, "P&roblems…", lambda: show_problems(window), None, "Unreadable files")
    )
    go = menu.addMenu("&Go")  # Back / Forward through the searches (Alt+Left / Alt+Right)
    go.addAction(window.navigation.back_action)
    go.addAction(window.navigation.forward_action)

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
    _help_menu(window)
    _keyboard(window)


def _label_actions(window: MainWindow, edit: QMenu) -> None:
    """Tag, or mark as not, every selected result at once (search results in bulk); the
    keyword sets (keys 1-9 in the grid) and their editor."""
    edit.addSeparator()
    tag = _action(
        window,
        "&Tag…",
        window.tagger.open_box,
        "Ctrl+T",
        "Tag the selection; several tags at once: separate them with commas",
    )
    tag.setShortcuts([QKeySequence("Ctrl+T"), QKeySequence("Ctrl+K")])
    edit.addAction(tag)
    edit.addAction(
        _action(
            window,
            "Mark selection as &not…",
            lambda: window.tag_selection_prompt("not"),
            "Ctrl+Shift+T",
            "Say every selected photo is not a tag: negative examples for training",
        )
    )
    edit.addMenu(window.keyword_sets.menu(edit))
    edit.addAction(
        _action(
            window,
            "&Keyword sets…",
            window.keyword_sets.edit,
            None,
            "Nine sets of tags; keys 1-9 in the results tag the selection with one",
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
        menu.addAction("View large", window.viewer.open)
        menu.addAction("Open externally", window.open_selected)
        menu.addAction("Rotate left", lambda: window.viewer.rotate(-1))
        menu.addAction("Rotate right", lambda: window.viewer.rotate(1))
        menu.addAction("Show in folder", window.reveal_selected)
        menu.addAction("More like this", window.more_like_selected)
        menu.addSeparator()
        menu.addAction("Tag…", window.tagger.open_box)
        menu.addAction("Mark as not…", lambda: window.tag_selection_prompt("not"))
        people = getattr(window, "people_view", None)
        if people is not None and people.showing is not None:
            menu.addSeparator()
            menu.addAction(f"Not {people.showing_name()}", people.split_selected)
        menu.exec(view.viewport().mapToGlobal(pos))
        menu.deleteLater()

    view.customContextMenuRequested.connect(popup)


def _toggle(
    window: MainWindow, text: str, key: str, slot: Callable[[bool], None], default: object = False
) -> QAction:
    """A checkable View option, remembered in the GUI settings."""
    action = QAction(text, window)
    action.setCheckable(True)
    action.setChecked(window.qsettings.value(key, default) in (True, "true"))
    slot(action.isChecked())
    action.toggled.connect(slot)
    action.toggled.connect(lambda on: window.qsettings.setValue(key, on))
    return action


def _view_items(window: MainWindow, view: QMenu) -> None:
    """The viewer, tile size and layout, and rotation."""
    grid, viewer = window.view, window.viewer
    view.addSeparator()
    view.addAction(_action(window, "View &large", viewer.open, None, "Enter or double-click"))
    view.addAction(_action(window, "Open e&xternally", window.open_selected, "Ctrl+O"))
    view.addAction(_action(window, "&Full screen", viewer.toggle_full_screen, "F11"))
    view.addSeparator()

    def zoom(steps: int) -> None:
        viewer.viewer.zoom_by(1.25**steps) if viewer.is_open() else grid.zoom_tiles(steps)

    bigger = _action(window, "&Bigger tiles", lambda: zoom(1), None, "Also Ctrl+wheel")
    bigger.setShortcuts([QKeySequence(QKeySequence.StandardKey.ZoomIn), QKeySequence("Ctrl+=")])
    view.addAction(bigger)
    view.addAction(
        _action(window, "&Smaller tiles", lambda: zoom(-1), QKeySequence.StandardKey.ZoomOut)
    )
    view.addAction(_toggle(window, "S&quare tiles", SQUARE_KEY, grid.set_square))
    facts = window.qsettings.value(FACTS_KEY, False)  # the older "date and score" option
    view.addAction(_toggle(window, "Show &tags on tiles", TAGS_KEY, _show_tags(window)))
    view.addAction(_toggle(window, "Show d&ate on tiles", DATE_KEY, grid.set_show_date, facts))
    view.addAction(_toggle(window, "Show sc&ore on tiles", SCORE_KEY, grid.set_show_score, facts))
    view.addSeparator()
    view.addAction(_action(window, "Rotate l&eft", lambda: viewer.rotate(-1), "Ctrl+["))
    view.addAction(_action(window, "Rotate &right", lambda: viewer.rotate(1), "Ctrl+]"))
    window.addActions(view.actions())  # shortcuts work in full screen, menu bar hidden
    _size_slider(window)


def _show_tags(window: MainWindow) -> Callable[[bool], None]:
    """Tags on the tiles: turned on, the shown items' tags are read."""

    def show(on: bool) -> None:
        window.view.set_show_tags(on)
        window.refresh_tile_tags()

    return show


def _size_slider(window: MainWindow) -> None:
    """The tile size in the status bar; it, Ctrl+wheel and Ctrl +/- stay in step."""
    grid = window.view
    slider = QSlider(Qt.Orientation.Horizontal, window)
    slider.setObjectName("tile-size")
    slider.setAccessibleName("Thumbnail size")
    slider.setToolTip("Thumbnail size (Ctrl+wheel over the results, Ctrl +/-)")
    slider.setRange(*TILE_EDGES)
    slider.setFixedWidth(120)
    slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    saved = window.qsettings.value(TILE_KEY, grid.tile_edge())
    grid.set_tile_edge(int(str(saved)) if str(saved).isdigit() else grid.tile_edge())
    slider.setValue(grid.tile_edge())
    slider.valueChanged.connect(grid.set_tile_edge)
    grid.tile_edge_changed.connect(slider.setValue)
    grid.tile_edge_changed.connect(lambda edge: window.qsettings.setValue(TILE_KEY, edge))
    window.statusBar().addPermanentWidget(slider)


def _help_menu(window: MainWindow) -> None:
    help_menu = window.menuBar().addMenu("&Help")
    help_menu.addAction(
        _action(
            window,
            "&Keyboard shortcuts",
            lambda: window.show_shortcuts(shortcut_list(window)),
            QKeySequence.StandardKey.HelpContents,
        )
    )
    help_menu.addAction(_action(window, "&About mmdesk", window.show_about))


def shortcut_list(window: MainWindow) -> list[tuple[str, str]]:
    """Every menu action's shortcut with what it does (the keyword sets' nine keys as one
    line), then the grid's and viewer's keys."""
    sets = getattr(window, "keyword_sets", None)
    set_actions = set(sets.actions.values()) if sets is not None else set()
    seen: dict[str, str] = {}
    if set_actions:
        seen[f"1 – {len(set_actions)}"] = "Tag the selection with keyword set 1–9 (in the results)"
    for action in window.findChildren(QAction):
        if action in set_actions:
            continue
        keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in
                         action.shortcuts())  # fmt: skip
        if keys and keys not in seen:
            seen[keys] = action.text().replace("&", "").rstrip("…")
    return sorted(seen.items(), key=lambda pair: pair[1]) + OTHER_KEYS


def _keyboard(window: MainWindow) -> None:
    """Down from the search box into the grid; Tab: search → grid → preview."""

    def into_results() -> None:
        grid = window.view
        if window.model.rowCount() and not grid.currentIndex().isValid():
            grid.setCurrentIndex(window.model.index(0))
        grid.setFocus(Qt.FocusReason.TabFocusReason)

    window.searchbar.results_requested.connect(into_results)
    QWidget.setTabOrder(window.searchbar.edit, window.view)
    QWidget.setTabOrder(window.view, window.preview_area)
