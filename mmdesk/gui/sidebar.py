"""The sidebar: library folders (counts and index state), tags, kinds and people.

Each library folder shows its subfolders as a tree (only those holding indexed items), each
with the count a click on it shows (:meth:`Library.folder_counts`, the "under" filter's own
definition). Selecting folders, tags or kinds filters; people are not a filter: clicking one
asks for their photos, and their context menu names, merges or finds more photos of them
(:mod:`mmdesk.gui.people` answers those requests). A folder's context menu shows it in the file
manager and re-scans it (a subfolder: the library folder holding it); a library folder's also
removes it from the library.

Selecting entries narrows the search: folders and kinds are "any of", tags "all of", as in
:class:`mmdesk.core.search.Filters`. The sections are independent filters: a plain click
selects one entry within its section and keeps the other sections' selections, Ctrl/Cmd-click
toggles an entry, clicking a section's title clears that section. The sidebar is stale when
folders, tags or what is indexed change (:meth:`Sidebar.wants_refresh`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import QDesktopServices, QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QMenu,
    QStyle,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from mmdesk.core.jobs import Changes
from mmdesk.core.paths import display
from mmdesk.gui import sidebar_tags
from mmdesk.gui.compat import emit
from mmdesk.kinds import FILE_KINDS

ValueRole = Qt.ItemDataRole.UserRole + 1
PersonNameRole = Qt.ItemDataRole.UserRole + 2
STATES = {
    "new": "waiting",
    "scanning": "indexing…",
    "indexed": "indexed",
    "cancelled": "incomplete",
    "interrupted": "incomplete",
    "missing": "missing",
    "offline": "offline",  # its drive or share is away: items kept, still searchable
}
_NAMES = {"image": "Photos", "video": "Videos", "audio": "Audio"}
KIND_NAMES: dict[str, str] = {kind: _NAMES.get(kind, kind) for kind in FILE_KINDS}


def _children(item: QTreeWidgetItem) -> list[QTreeWidgetItem]:
    """``item``'s children in order (``child(i)`` is typed Optional, though never None in range)."""
    return [child for i in range(item.childCount()) if (child := item.child(i)) is not None]


def _entries(item: QTreeWidgetItem) -> list[QTreeWidgetItem]:
    """Every entry below ``item``, nested ones included, in tree order."""
    out: list[QTreeWidgetItem] = []
    for child in _children(item):
        out.append(child)
        out += _entries(child)
    return out


def _reveal(path: str) -> None:
    """Open the folder in the platform's file manager."""
    QDesktopServices.openUrl(QUrl.fromLocalFile(path))


def _parent_folder(path: str) -> str:
    return path.rsplit("/", 1)[0] or "/"


class Sidebar(QTreeWidget):
    """Three sections; their selection is the search's folder, tag and kind filters."""

    filters_changed = Signal()
    rescan_requested = Signal(str)
    remove_requested = Signal(str)
    person_clicked = Signal(int)  # show the photos of this person
    name_person_requested = Signal(int)
    merge_person_requested = Signal(int, int)  # (into, person merged)
    more_of_person_requested = Signal(int)
    # the Tags section's menu and drops (sidebar_tags.py; mmdesk.gui.tag_manager answers)
    rename_tag_requested = Signal(str)
    merge_tag_requested = Signal(str, str)  # (tag merged, into)
    delete_tag_requested = Signal(str)
    color_tag_requested = Signal(str)  # choose a colour
    tag_color_cleared = Signal(str)  # "No colour"
    items_dropped_on_tag = Signal(list, str)  # (item ids, tag)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setColumnCount(1)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setAccessibleName("Library")
        style = self.style()
        self.folders = self._section(
            "Folders", style.standardIcon(QStyle.StandardPixmap.SP_DirIcon)
        )
        self.tags = self._section(
            "Tags", style.standardIcon(QStyle.StandardPixmap.SP_FileDialogDetailedView)
        )
        self.kinds = self._section("Kinds", style.standardIcon(QStyle.StandardPixmap.SP_FileIcon))
        self.people = self._section(
            "People", style.standardIcon(QStyle.StandardPixmap.SP_DirHomeIcon)
        )
        self.set_people([])
        # Reads Library.folder_counts off the GUI thread and calls back with the answer (set
        # by the window): the subfolder tree and its counts. Without it, roots only.
        self.read_folder_counts: Callable[[Callable[[dict[str, int]], None]], None] | None = None
        self._folder_counts: dict[str, int] = {}  # the last answer: items under each folder
        self._folder_rows: list[dict[str, Any]] = []  # the library folders last shown
        self.itemSelectionChanged.connect(self.filters_changed)
        self.itemClicked.connect(self._clicked)
        self.customContextMenuRequested.connect(self._menu)
        self._init_tags()

    @staticmethod
    def wants_refresh(changes: Changes) -> bool:
        """Folder states and counts, tag counts and kind counts may differ after these."""
        return bool(
            changes.folders or changes.tags or changes.files or changes.items or changes.removed
        )

    def _section(self, title: str, icon: Any) -> QTreeWidgetItem:
        item = QTreeWidgetItem(self, [title])
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        item.setIcon(0, icon)
        font = item.font(0)
        font.setBold(True)
        item.setFont(0, font)
        item.setExpanded(True)
        return item

    def set_content(
        self,
        folders: list[dict[str, Any]],
        tags: list[tuple[str, int]],
        kinds: dict[str, int],
        *,
        colors: dict[str, str] | None = None,
    ) -> None:
        """Refill the sections, keeping what was selected; ``colors``: tag -> "#rrggbb"."""
        keep = {(s, v) for s in ("folders", "tags", "kinds") for v in self._selected(s)}
        expanded = {e.data(0, ValueRole) for e in _entries(self.folders) if e.isExpanded()}
        self.blockSignals(True)
        for section in (self.folders, self.tags, self.kinds):
            section.takeChildren()
        self._fill_folders(folders, expanded)
        self._tag_colors = {name.lower(): color for name, color in (colors or {}).items()}
        sidebar_tags.fill(self, self.tags, tags, self._tag_colors)
        if not tags:
            hint = QTreeWidgetItem(self.tags, ["none yet"])
            hint.setFlags(Qt.ItemFlag.NoItemFlags)
            hint.setToolTip(0, "Add tags to selected photos in the preview pane")
        for kind, count in sorted(kinds.items()):
            self._add(self.kinds, f"{KIND_NAMES.get(kind, kind)}  ({count})", kind, kind)
        self._reselect(keep)
        self.blockSignals(False)
        if keep != {(s, v) for s in ("folders", "tags", "kinds") for v in self._selected(s)}:
            emit(self.filters_changed)
        if self.read_folder_counts is not None:
            self.read_folder_counts(self._folder_counts_read)

    def set_people(self, people: list[dict[str, Any]]) -> None:
        """Refill the People section: ``{"id", "name", "photos"}`` each, most photographed
        first. Entries are not selectable: a person is a question, not a filter."""
        self.people.takeChildren()
        for person in people:
            name = person.get("name") or f"Person {person['id']}"
            item = QTreeWidgetItem(self.people, [f"{name}  ({person['photos']})"])
            item.setData(0, ValueRole, int(person["id"]))
            item.setData(0, PersonNameRole, person.get("name"))
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            item.setToolTip(0, f"{person['photos']} photos: click to see them")
        if not people:
            hint = QTreeWidgetItem(self.people, ["none yet"])
            hint.setFlags(Qt.ItemFlag.NoItemFlags)
            hint.setToolTip(0, "Faces are found while indexing (the faces setting)")

    def person_items(self) -> dict[int, QTreeWidgetItem]:
        """The People section's entries by person id (for their face thumbnails)."""
        return {
            int(c.data(0, ValueRole)): c
            for c in _children(self.people)
            if c.data(0, ValueRole) is not None
        }

    def _folder_counts_read(self, counts: dict[str, int]) -> None:
        """The folder counts, read on the reader: refill the Folders section with them,
        keeping what was selected and expanded there."""
        if counts == self._folder_counts:
            return
        self._folder_counts = counts
        keep = set(self.selected_folders())
        expanded = {e.data(0, ValueRole) for e in _entries(self.folders) if e.isExpanded()}
        self.blockSignals(True)
        try:
            self.folders.takeChildren()
            self._fill_folders(self._folder_rows, expanded)
            for entry in _entries(self.folders):
                entry.setSelected(entry.data(0, ValueRole) in keep)
        finally:
            self.blockSignals(False)
        if set(self.selected_folders()) != keep:
            emit(self.filters_changed)

    def _fill_folders(self, folders: list[dict[str, Any]], expanded: set[str]) -> None:
        """Each library folder with its subfolders holding items, nested as on disk (by the
        last folder counts read; until they come, the roots with their own counts)."""
        self._folder_rows = folders
        counts = self._folder_counts
        for folder in folders:
            root = folder["path"]
            items = counts.get(root, folder["items"])
            state = STATES.get(folder["state"], folder["state"])
            shown = display(root)
            label = f"{Path(shown).name or shown}  ({items}, {state})"
            tip = f"{shown}\n{items} items, {folder['errors']} unreadable"
            nodes = {root: self._add(self.folders, label, root, tip)}
            inside = root.rstrip("/") + "/"
            for path in sorted((p for p in counts if p.startswith(inside)), key=str.lower):
                parent = nodes.get(_parent_folder(path))
                if parent is None:  # cannot happen: every folder above one is counted
                    continue
                name = display(path.rsplit("/", 1)[1])
                tip = f"{display(path)}\n{counts[path]} items"
                nodes[path] = self._add(parent, f"{name}  ({counts[path]})", path, tip)
            for path, node in nodes.items():
                node.setExpanded(path in expanded)

    def _clicked(self, item: QTreeWidgetItem) -> None:
        """Clicking a section's title clears its filter ("all folders", "all tags"); clicking
        a person asks for their photos."""
        if item.parent() is self.people and item.data(0, ValueRole) is not None:
            emit(self.person_clicked, int(item.data(0, ValueRole)))
            return
        if item.parent() is None:
            chosen = [child for child in _entries(item) if child.isSelected()]
            self.blockSignals(True)
            try:
                for child in chosen:
                    child.setSelected(False)
            finally:
                self.blockSignals(False)
            if chosen:  # one search for the whole section
                emit(self.filters_changed)

    def selectionCommand(
        self,
        index: QModelIndex | QPersistentModelIndex,
        event: QEvent | None = None,
    ) -> QItemSelectionModel.SelectionFlag:
        """Selection stays within a section: what would clear the whole tree (a plain click,
        arrow keys) clears only the clicked entry's section, so a folder click keeps the tag
        and kind filters. Titles, people and empty space select nothing."""
        flags = super().selectionCommand(index, event)
        clear = QItemSelectionModel.SelectionFlag.Clear
        if not flags & clear:
            return flags
        plain = isinstance(index, QModelIndex) and index.isValid()  # Qt passes a QModelIndex
        item = self.itemFromIndex(index) if plain else None
        section = self._section_of(item) if item is not None else None
        if item is None or section is None or not item.flags() & Qt.ItemFlag.ItemIsSelectable:
            return QItemSelectionModel.SelectionFlag.NoUpdate
        dropped = False
        self.blockSignals(True)
        try:
            for other in _entries(self._sections()[section]):
                if other is not item and other.isSelected():
                    other.setSelected(False)
                    dropped = True
        finally:
            self.blockSignals(False)
        if dropped and item.isSelected():  # the selection below changes nothing more
            emit(self.filters_changed)
        return flags & ~clear

    def _section_of(self, item: QTreeWidgetItem) -> str | None:
        """The filter section ("folders", "tags", "kinds") an entry lies in, else None."""
        top = item
        while (parent := top.parent()) is not None:
            top = parent
        if top is item:
            return None
        return next((n for n, s in self._sections().items() if s is top), None)

    def set_selected(self, section: str, value: str, selected: bool = True) -> None:
        """Select or deselect one entry of a section ("folders", "tags", "kinds") by value
        (a filter chip's ×); ``filters_changed`` follows when that changes anything."""
        for entry in _entries(self._sections()[section]):
            if entry.data(0, ValueRole) == value:
                entry.setSelected(selected)

    def _add(self, section: QTreeWidgetItem, label: str, value: str, tip: str) -> QTreeWidgetItem:
        item = QTreeWidgetItem(section, [label])
        item.setData(0, ValueRole, value)
        item.setToolTip(0, tip)
        return item

    def _reselect(self, keep: set[tuple[str, str]]) -> None:
        for name, section in self._sections().items():
            for child in _entries(section):
                child.setSelected((name, child.data(0, ValueRole)) in keep)

    def _sections(self) -> dict[str, QTreeWidgetItem]:
        return {"folders": self.folders, "tags": self.tags, "kinds": self.kinds}

    def _selected(self, name: str) -> list[str]:
        return [
            child.data(0, ValueRole)
            for child in _entries(self._sections()[name])
            if child.isSelected() and child.data(0, ValueRole) is not None
        ]

    def selected_folders(self) -> list[str]:
        return self._selected("folders")

    def selected_tags(self) -> list[str]:
        return self._selected("tags")

    def selected_kinds(self) -> list[str]:
        return self._selected("kinds")

    def folder_paths(self) -> list[str]:
        return [child.data(0, ValueRole) for child in _children(self.folders)]

    def _menu(self, pos: QPoint) -> None:
        item = self.itemAt(pos)
        tag = sidebar_tags.tag_of(self.tags, item)
        if tag is not None:
            menu = self.tag_menu(tag)
            menu.exec(self.viewport().mapToGlobal(pos))
            menu.deleteLater()
            return
        if item is not None and item.parent() is self.people:
            self._person_menu(item, pos)
            return
        if item is None or item.data(0, ValueRole) is None:
            return
        folder_menu = self.folder_menu(item)
        if folder_menu is not None:
            folder_menu.exec(self.viewport().mapToGlobal(pos))
            folder_menu.deleteLater()

    def folder_menu(self, item: QTreeWidgetItem) -> QMenu | None:
        """A folder's context menu, None for what is no folder. Each folder: "Show in folder"
        and "Re-scan"; a library folder also "Remove from library". Indexing takes library
        folders, so a subfolder's "Re-scan" re-scans the library folder holding it (and says
        so)."""
        root = item
        while (parent := root.parent()) is not None and parent is not self.folders:
            root = parent
        if root.parent() is not self.folders:
            return None
        path, root_path = str(item.data(0, ValueRole)), str(root.data(0, ValueRole))
        menu = QMenu(self)
        menu.setToolTipsVisible(True)
        menu.addAction("Show in folder", lambda: _reveal(path))
        if root is item:
            menu.addAction("Re-scan", lambda: emit(self.rescan_requested, path))
            menu.addAction("Remove from library", lambda: emit(self.remove_requested, path))
        else:
            name = Path(display(root_path)).name or display(root_path)
            rescan = menu.addAction(
                f"Re-scan (all of “{name}”)", lambda: emit(self.rescan_requested, root_path)
            )
            rescan.setToolTip(f"Indexing re-scans whole library folders: {display(root_path)}")
        return menu

    def _person_menu(self, item: QTreeWidgetItem, pos: QPoint) -> None:
        person = item.data(0, ValueRole)
        if person is None:
            return
        menu = self.person_menu(int(person))
        menu.exec(self.viewport().mapToGlobal(pos))
        menu.deleteLater()

    def person_menu(self, person: int) -> QMenu:
        """A person's context menu: name, merge into another person, more photos."""
        menu = QMenu(self)
        menu.addAction("Name…", lambda: emit(self.name_person_requested, person))
        menu.addAction(
            "More photos of this person", lambda: emit(self.more_of_person_requested, person)
        )
        into = menu.addMenu("Merge into")

        def merge(other: int) -> Callable[[], None]:
            return lambda: emit(self.merge_person_requested, other, person)

        for other, entry in self.person_items().items():
            if other != person:
                into.addAction(entry.text(0), merge(other))
        into.setEnabled(not into.isEmpty())
        return menu

    # tags: a tree by "/", colours, a menu, items dropped on a tag (sidebar_tags.py) -----------
    def _init_tags(self) -> None:
        self.folded_tags: set[str] = set()  # parents folded by hand stay folded on refresh
        self._tag_colors = dict[str, str]()  # tag (lower case) -> "#rrggbb"
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)  # drops arrive at the viewport
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.itemCollapsed.connect(lambda item: self._tag_folded(item, True))
        self.itemExpanded.connect(lambda item: self._tag_folded(item, False))

    def _tag_folded(self, item: QTreeWidgetItem, folded: bool) -> None:
        tag = sidebar_tags.tag_of(self.tags, item)
        if tag is not None:
            (self.folded_tags.add if folded else self.folded_tags.discard)(tag.lower())

    def tag_names(self) -> list[str]:
        """Every tag shown, parents before their children."""
        entries = sidebar_tags.entries(self.tags)
        return [str(e.data(0, ValueRole)) for e in entries if e.data(0, ValueRole) is not None]

    def tag_color(self, name: str) -> str | None:
        """The colour the tag shows ("#rrggbb"), if it has one."""
        return self._tag_colors.get(name.lower())

    def shown_color(self, name: str) -> str | None:
        """The colour a tag's chip shows: its own, else its nearest parent's (Places/Paris
        in the colour of Places)."""
        parts = name.split("/")
        for end in range(len(parts), 0, -1):
            color = self.tag_color("/".join(parts[:end]))
            if color:
                return color
        return None

    def tag_menu(self, name: str) -> QMenu:
        """A tag's context menu: rename, merge into another tag, colour, delete."""
        return sidebar_tags.menu(self, name)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(sidebar_tags.ITEMS_MIME):
            event.acceptProposedAction()
        else:
            event.ignore()  # folders dropped on the sidebar reach the window

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        tag = sidebar_tags.tag_of(self.tags, self.itemAt(event.position().toPoint()))
        if tag is not None and event.mimeData().hasFormat(sidebar_tags.ITEMS_MIME):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        """Items dropped on a tag: ask to tag them (``items_dropped_on_tag``)."""
        tag = sidebar_tags.tag_of(self.tags, self.itemAt(event.position().toPoint()))
        ids = sidebar_tags.dropped_ids(event.mimeData()) if tag is not None else []
        if tag is None or not ids:
            event.ignore()
            return
        event.acceptProposedAction()
        emit(self.items_dropped_on_tag, ids, tag)
