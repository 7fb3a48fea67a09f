"""Edit > Undo / Redo for tag changes and folder removal.

Each undoable write runs on the writer thread between two snapshots of what it may change
(:meth:`~mmdesk.core.tagging.manage.TagManageOps.tag_snapshot`), taken in the same job so
nothing slips between them; once it is done, an entry goes on a :class:`QUndoStack` whose undo
restores the first snapshot and whose redo restores the second, again on the writer. A restore
is exact for the tags it covers, so an entry stays valid whatever else changes meanwhile.
Removing a folder is undoable because the GUI's removal only hides the folder until the
library closes (:meth:`~mmdesk.core.library.Library.remove_folder` ``undoable``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoStack

from mmdesk.core.library import Library
from mmdesk.core.tagging.snapshot import TagSnapshot

if TYPE_CHECKING:
    from mmdesk.gui.window import MainWindow

Write = Callable[[Library], Any]
Names = list[str] | Callable[[Library], list[str]]


class WriterCommand(QUndoCommand):
    """An entry whose undo and redo are writes on the writer thread. It is pushed once the
    write itself is done, so the first ``redo()`` (QUndoStack calls it on push) does nothing."""

    def __init__(self, history: UndoHistory, text: str, undo: Write, redo: Write) -> None:
        super().__init__(text)
        self.history, self._undo, self._redo = history, undo, redo
        self._pushed = False

    def redo(self) -> None:
        if not self._pushed:
            self._pushed = True
            return
        self.history.write(self._redo, f"Redone: {self.text()}")

    def undo(self) -> None:
        self.history.write(self._undo, f"Undone: {self.text()}")


class UndoHistory(QObject):
    """The window's undo stack, its Undo and Redo actions, and the undoable writes."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.stack = QUndoStack(self)
        self.undo_action = self.stack.createUndoAction(self, "Undo")
        self.undo_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Undo))
        self.redo_action = self.stack.createRedoAction(self, "Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        # What undoable removals of a session that ended without closing left behind.
        window.runner.write(lambda library: library.purge_removed())

    def actions(self) -> list[QAction]:
        """Undo and Redo, for the Edit menu."""
        return [self.undo_action, self.redo_action]

    def tag_edit(
        self,
        text: str,
        names: Names,
        item_ids: list[int] | None,
        edit: Write,
        on_done: Callable[[Any], None] | None = None,
    ) -> None:
        """Run ``edit(library)`` on the writer, undoably: the tags ``names`` (a list, or a
        function of the library giving it) and their labels (of ``item_ids`` only, if
        given) are snapshotted before and after it. ``text`` says what it did ("tag “sky” on
        3 items"); the menu reads "Undo " + text."""
        taken: dict[str, TagSnapshot] = {}

        def work(library: Library) -> Any:
            scope = names(library) if callable(names) else names
            taken["before"] = library.tag_snapshot(scope, item_ids)
            result = edit(library)
            taken["after"] = library.tag_snapshot(scope, item_ids)
            return result

        def done(result: Any) -> None:
            before, after = taken["before"], taken["after"]
            self.push(
                text,
                lambda library: library.restore_tags(before),
                lambda library: library.restore_tags(after),
            )
            if on_done is not None:
                on_done(result)

        self.window.runner.write(work, done)

    def folder_removed(self, path: str, name: str) -> None:
        """A folder was removed undoably (``remove_folder(path, undoable=True)``)."""
        self.push(
            f"remove folder {name}",
            lambda library: library.restore_folder(path),
            lambda library: library.remove_folder(path, undoable=True),
        )

    def push(self, text: str, undo: Write, redo: Write) -> None:
        """An entry for a write already done: ``undo`` and ``redo`` run on the writer."""
        self.stack.push(WriterCommand(self, text, undo, redo))

    def write(self, fn: Write, said: str) -> None:
        """Undo or redo: one write on the writer, after those queued before it."""
        self.window.runner.write(fn, lambda _: self.window.say(said))
