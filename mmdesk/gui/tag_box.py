"""Tag from anywhere: a small box (Ctrl+T / Ctrl+K) that tags the selection, preview or not.

Several tags go in at once, separated by commas ("beach, Places/Nice, summer"); the completer
offers the library's tags for the word being typed. Enter applies, Esc cancels. Each tag is one
:meth:`~mmdesk.gui.library_actions.LibraryActions.label_selected` write, as if typed in the
preview, so undo and the views' refreshes work the same; a last step on the writer reads back
what the selection now carries and says so ("Tagged 3 items: beach, sea").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QPoint, Qt
from PySide6.QtWidgets import (
    QCompleter,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from mmdesk.core.library import Library
    from mmdesk.gui.window import MainWindow


def split_tags(text: str) -> list[str]:
    """The tags in comma-separated text: trimmed, empties dropped, each name once (the first
    spelling kept; tag names are case-insensitive)."""
    names: dict[str, str] = {}
    for part in text.split(","):
        name = " ".join(part.split())
        if name:
            names.setdefault(name.casefold(), name)
    return list(names.values())


def items_phrase(count: int) -> str:
    """``1 item``, ``3 items``."""
    return f"{count} item{'s' * (count != 1)}"


class ListCompleter(QCompleter):
    """Completes the tag after the last comma, keeping the ones typed before it."""

    def splitPath(self, path: str) -> list[str]:
        return [path.rsplit(",", 1)[-1].strip()]

    def pathFromIndex(self, index: QModelIndex | QPersistentModelIndex) -> str:
        edit = self.widget()
        typed = edit.text() if isinstance(edit, QLineEdit) else ""
        before = typed.rsplit(",", 1)[0] + ", " if "," in typed else ""
        return before + str(index.data())


class TagBox(QDialog):
    """The box itself: says how many items it tags; ``names()`` are the tags typed."""

    def __init__(self, count: int, known: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Tag {items_phrase(count)}")
        self.setObjectName("tag-box")
        self.info = QLabel(f"Tag {items_phrase(count)} — separate tags with commas", self)
        self.edit = QLineEdit(self, placeholderText="beach, Places/Nice, summer")
        self.edit.setAccessibleName("Tags to add")
        self.edit.setMinimumWidth(320)
        self.completer = ListCompleter(known, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)  # "Nice" finds Places/Nice
        self.edit.setCompleter(self.completer)
        self.apply_button = QPushButton("Tag", self)
        self.apply_button.setAutoDefault(False)  # Enter is the line's, never a second apply
        cancel = QPushButton("Cancel", self)
        cancel.setAutoDefault(False)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.apply_button)
        row.addWidget(cancel)
        box = QVBoxLayout(self)
        box.addWidget(self.info)
        box.addWidget(self.edit)
        box.addWidget(QLabel("Enter tags them, Esc cancels", self))
        box.addLayout(row)
        self.edit.returnPressed.connect(self._apply)
        self.apply_button.clicked.connect(self._apply)
        cancel.clicked.connect(self.reject)

    def names(self) -> list[str]:
        return split_tags(self.edit.text())

    def _apply(self) -> None:
        popup = self.completer.popup()
        if popup is not None and popup.isVisible() and popup.currentIndex().isValid():
            return  # this Enter takes the highlighted completion; the next one applies
        if self.names():
            self.accept()


class Tagger(QObject):
    """Opens the tag box for the window's selection and applies what it gets."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.box: TagBox | None = None  # the open box, if any

    def open_box(self) -> None:
        """The tag box for the selection, over the top of the grid."""
        count = len(self.window.view.selected_results())
        if not count:
            self.window.say("Select some items first, then Ctrl+T tags them")
            return
        if self.box is not None:
            self.box.close()
        known = [name for name, _ in self.window.library.tags()]
        box = self.box = TagBox(count, known, self.window)
        box.accepted.connect(lambda: self.apply(box.names()))
        box.finished.connect(lambda _: self._closed(box))
        grid = self.window.view
        box.adjustSize()
        corner = grid.mapToGlobal(QPoint((grid.width() - box.width()) // 2, 24))
        box.move(corner)
        box.open()
        box.edit.setFocus()

    def _closed(self, box: TagBox) -> None:
        if self.box is box:
            self.box = None
        box.deleteLater()

    def apply(self, names: list[str], what: str = "") -> None:
        """Tag the selection with each of ``names``, then say what it carries now."""
        ids = [r.item_id for r in self.window.view.selected_results()]
        if not names or not ids:
            return
        self.window.label_items(ids, names, "tag")  # one step of Edit > Undo

        def check(library: Library) -> list[str]:
            counts = {k.casefold(): v for k, v in library.tag_counts_for(ids).items()}
            return [n for n in names if counts.get(n.casefold()) == len(ids)]

        self.window.runner.write(check, lambda done: self._say(what, done, len(ids)))

    def _say(self, what: str, done: list[str], count: int) -> None:
        if done:  # a failed write has said why already
            self.window.say(f"{what}Tagged {items_phrase(count)}: {', '.join(done)}")
