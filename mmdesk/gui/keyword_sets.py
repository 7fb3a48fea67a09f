"""Keyword sets: nine lists of tags a person uses often, one number key each (as in Lightroom).

In the grid, keys 1–9 tag the selection with set N; Edit → Keyword sets lists them with their
keys, and Edit → Keyword sets… edits them: nine lines of comma-separated tags, kept in the GUI
settings (``tagging/keyword_set_N``). The keys belong to the grid alone, so typing a digit in a
text field, or in the viewer (whose 1 is 100 %), never tags anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QMenu, QWidget

from mmdesk.gui.tag_box import split_tags

if TYPE_CHECKING:
    from mmdesk.gui.window import MainWindow

SETS = range(1, 10)


def set_key(number: int) -> str:
    return f"tagging/keyword_set_{number}"


def keyword_set(qsettings: QSettings, number: int) -> list[str]:
    """The tags of set ``number`` (empty when it was never defined)."""
    return split_tags(str(qsettings.value(set_key(number), "") or ""))


def save_keyword_set(qsettings: QSettings, number: int, names: list[str]) -> None:
    qsettings.setValue(set_key(number), ", ".join(names))


class KeywordSetsDialog(QDialog):
    """Nine lines, one per number key, each a comma-separated list of tags."""

    def __init__(self, qsettings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyword sets")
        self.qsettings = qsettings
        form = QFormLayout(self)
        self.lines: dict[int, QLineEdit] = {}
        for number in SETS:
            line = QLineEdit(", ".join(keyword_set(qsettings, number)), self)
            line.setPlaceholderText("tags, separated by commas")
            line.setAccessibleName(f"Keyword set {number}")
            line.setMinimumWidth(360)
            self.lines[number] = line
            form.addRow(f"Key {number}", line)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def save(self) -> None:
        for number, line in self.lines.items():
            save_keyword_set(self.qsettings, number, split_tags(line.text()))


class KeywordSets(QObject):
    """The number keys on the grid, the Edit menu's list of sets and the editor."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.dialog: KeywordSetsDialog | None = None
        self.actions: dict[int, QAction] = {}
        for number in SETS:
            action = QAction(window)
            action.setShortcut(QKeySequence(str(number)))
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # the grid's keys only
            action.triggered.connect(lambda *_, n=number: self.apply(n))
            window.view.addAction(action)
            self.actions[number] = action
        self.update_texts()

    def update_texts(self) -> None:
        """Each key's action says its tags, so the menu and its tooltips show the sets."""
        for number, action in self.actions.items():
            names = keyword_set(self.window.qsettings, number)
            shown = ", ".join(names) if names else "(empty)"
            action.setText(f"Set {number}: {shown}")
            action.setStatusTip(
                f"Tag the selection {shown}" if names else "Define it in Edit → Keyword sets…"
            )

    def menu(self, parent: QWidget) -> QMenu:
        """Edit → Keyword sets: each set with its key, then the editor."""
        menu = QMenu("Keyword &sets", parent)
        menu.setToolTipsVisible(True)
        for action in self.actions.values():
            menu.addAction(action)
        menu.addSeparator()
        edit = menu.addAction("&Edit keyword sets…")
        edit.triggered.connect(lambda *_: self.edit())
        menu.aboutToShow.connect(self.update_texts)
        return menu

    def apply(self, number: int) -> None:
        """Tag the selection with set ``number``, or say how to define an empty one."""
        names = keyword_set(self.window.qsettings, number)
        if not names:
            self.window.say(
                f"Keyword set {number} is empty: define it in Edit → Keyword sets… "
                "(comma-separated tags)"
            )
            return
        if not self.window.view.selected_results():
            self.window.say(f"Select some items first, then {number} tags them {', '.join(names)}")
            return
        self.window.tagger.apply(names, f"Keyword set {number}: ")

    def edit(self) -> None:
        """The editor; saving updates the sets at once."""
        dialog = self.dialog = KeywordSetsDialog(self.window.qsettings, self.window)
        dialog.accepted.connect(dialog.save)
        dialog.accepted.connect(self.update_texts)
        dialog.finished.connect(lambda _: dialog.deleteLater())
        dialog.open()
