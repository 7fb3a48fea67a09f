"""The sidebar: library folders (counts and index state), tags, kinds and people.

Selecting folders, tags or kinds filters; people are not a filter: clicking one asks for their
photos, and their context menu names, merges or finds more photos of them
(:mod:`mmdesk.gui.people` answers those requests).

Selecting entries narrows the search: folders and kinds are "any of", tags "all of", as in
:class:`mmdesk.core.search.Filters`. The sidebar is stale when folders, tags or what is indexed
change (:meth:`Sidebar.wants_refresh`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt, Signal
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


class Sidebar(QTreeWidget):
    """Three sections; their selection is the search's folder, tag and kind filters."""

    filters_changed = Signal()
    rescan_requested = Signal(str)
    remove_requested = Signal(str)
    person_clicked = Signal(int)  # show the photos of this person
    name_person_requested = Signal(int)
    merge_person_requested = Signal(int, int)  # (into, person merged)
    more_of_person_requested = Signal(int)

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
        self.itemSelectionChanged.connect(self.filters_changed)
        self.itemClicked.connect(self._clicked)
        self.customContextMenuRequested.connect(self._menu)

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
        self, folders: list[dict[str, Any]], tags: list[tuple[str, int]], kinds: dict[str, int]
    ) -> None:
        """Refill the sections, keeping what was selected."""
        keep = {(s, v) for s in ("folders", "tags", "kinds") for v in self._selected(s)}
        self.blockSignals(True)
        for section in (self.folders, self.tags, self.kinds):
            section.takeChildren()
        for folder in folders:
            state = STATES.get(folder["state"], folder["state"])
            shown = display(folder["path"])
            label = f"{Path(shown).name or shown}  ({folder['items']}, {state})"
            tip = f"{shown}\n{folder['items']} items, {folder['errors']} unreadable"
            self._add(self.folders, label, folder["path"], tip)
        for name, count in tags:
            self._add(self.tags, f"{name}  ({count})", name, f"items tagged {name!r}")
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

    def _clicked(self, item: QTreeWidgetItem) -> None:
        """Clicking a section's title clears its filter ("all folders", "all tags"); clicking
        a person asks for their photos."""
        if item.parent() is self.people and item.data(0, ValueRole) is not None:
            emit(self.person_clicked, int(item.data(0, ValueRole)))
            return
        if item.parent() is None:
            for child in _children(item):
                child.setSelected(False)

    def _add(self, section: QTreeWidgetItem, label: str, value: str, tip: str) -> None:
        item = QTreeWidgetItem(section, [label])
        item.setData(0, ValueRole, value)
        item.setToolTip(0, tip)

    def _reselect(self, keep: set[tuple[str, str]]) -> None:
        for name, section in self._sections().items():
            for child in _children(section):
                child.setSelected((name, child.data(0, ValueRole)) in keep)

    def _sections(self) -> dict[str, QTreeWidgetItem]:
        return {"folders": self.folders, "tags": self.tags, "kinds": self.kinds}

    def _selected(self, name: str) -> list[str]:
        return [
            child.data(0, ValueRole)
            for child in _children(self._sections()[name])
            if child.isSelected()
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
        if item is not None and item.parent() is self.people:
            self._person_menu(item, pos)
            return
        if item is None or item.parent() is not self.folders:
            return
        path = item.data(0, ValueRole)
        menu = QMenu(self)
        menu.addAction("Re-scan", lambda: emit(self.rescan_requested, path))
        menu.addAction("Remove from library", lambda: emit(self.remove_requested, path))
        menu.exec(self.viewport().mapToGlobal(pos))
        menu.deleteLater()

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
