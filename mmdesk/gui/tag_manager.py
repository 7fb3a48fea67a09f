"""The tag manager: what the sidebar's tag menu asks for (rename, merge, colour, delete) and
items dropped on a tag, done as undoable writes (:mod:`mmdesk.gui.undo`).

Installed once by the main window; the sidebar only emits requests, this runs the dialogs and
the writes, and the views follow from the Changes the writes return.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QColorDialog, QInputDialog, QMessageBox

from mmdesk.core.library import Library

if TYPE_CHECKING:
    from mmdesk.gui.window import MainWindow


class TagManager(QObject):
    """Answers the sidebar's tag requests with dialogs and undoable writes."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        bar = window.sidebar
        bar.rename_tag_requested.connect(lambda name: self.rename(name))
        bar.merge_tag_requested.connect(self.merge)
        bar.delete_tag_requested.connect(lambda name: self.delete(name))
        bar.color_tag_requested.connect(lambda name: self.choose_color(name))
        bar.tag_color_cleared.connect(lambda name: self.set_color(name, None))
        bar.items_dropped_on_tag.connect(lambda ids, name: window.label_items(ids, name, "tag"))

    def rename(self, name: str, new: str | None = None) -> None:
        """Rename a tag (asking for the new name unless given); its children follow."""
        if new is None:
            new, ok = QInputDialog.getText(
                self.window,
                "Rename tag",
                f"New name for “{name}” (Parent/Child puts it under Parent):",
                text=name,
            )
            if not ok:
                return
        new = new.strip()
        if not new or new == name:
            return
        self.window.undo.tag_edit(
            f"rename tag “{name}” to “{new}”",
            [name, new],
            None,
            lambda library: library.rename_tag(name, new),
            lambda _: self.window.say(f"Renamed tag “{name}” to “{new}”"),
        )

    def merge(self, source: str, into: str) -> None:
        """Merge ``source`` into ``into`` (undoable, so no question asked)."""
        self.window.undo.tag_edit(
            f"merge tag “{source}” into “{into}”",
            [source, into],
            None,
            lambda library: library.merge_tags(source, into),
            lambda _: self.window.say(f"Merged tag “{source}” into “{into}”"),
        )

    def delete(self, name: str, children: bool | None = None) -> None:
        """Delete a tag after asking (for a parent: with its children, or moving them up)."""
        if children is None:
            answer = self.ask_delete(name, self._children(name))
            if answer is None:
                return
            children = answer

        def scope(library: Library) -> list[str]:
            return [name] if children else [name, *library.promoted_names(name)]

        self.window.undo.tag_edit(
            f"delete tag “{name}”",
            scope,
            None,
            lambda library: library.delete_tag(name, children=bool(children)),
            lambda _: self.window.say(f"Deleted tag “{name}” (Edit > Undo brings it back)"),
        )

    def ask_delete(self, name: str, children: list[str]) -> bool | None:
        """Whether to delete the tag's children too (None: do not delete at all)."""
        box = QMessageBox(self.window)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Delete tag")
        keep = None
        if children:
            box.setText(
                f"“{name}” has {len(children)} tag{'s' * (len(children) != 1)} under it. "
                "Delete them too, or keep them (they move up a level)?"
            )
            every = box.addButton("Delete all", QMessageBox.ButtonRole.DestructiveRole)
            keep = box.addButton("Keep the tags under it", QMessageBox.ButtonRole.AcceptRole)
        else:
            box.setText(f"Delete the tag “{name}”? It is taken off every item that has it.")
            every = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        clicked = box.clickedButton()
        box.deleteLater()
        return True if clicked is every else False if keep is not None and clicked is keep else None

    def choose_color(self, name: str) -> None:
        """Pick a tag's colour with the colour dialog."""
        current = QColor(self.window.sidebar.tag_color(name) or "#808080")
        color = QColorDialog.getColor(current, self.window, f"Colour of “{name}”")
        if color.isValid():
            self.set_color(name, color.name())

    def set_color(self, name: str, color: str | None) -> None:
        """Give a tag a colour ("#rrggbb"), or none."""
        self.window.undo.tag_edit(
            f"colour of tag “{name}”",
            [name],
            None,
            lambda library: library.set_tag_color(name, color),
        )

    def _children(self, name: str) -> list[str]:
        prefix = name.lower() + "/"
        return [n for n in self.window.sidebar.tag_names() if n.lower().startswith(prefix)]
