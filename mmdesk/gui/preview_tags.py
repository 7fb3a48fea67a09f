"""The preview's tag area: what a person said (is / is not) and what a classifier predicts.

Confirmed tags are plain rows, counted over the selection; a prediction for the current item is
an italic row with its score, confirmed or rejected with Yes / No; a "not" label is a struck-out
row. Typed text may hold several tags separated by commas ("beach, sea"): each is emitted on
its own. The area only emits what the person asked for; the window writes it for every selected
item.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mmdesk.gui.compat import emit
from mmdesk.gui.tag_box import ListCompleter, split_tags

SourceRole = Qt.ItemDataRole.UserRole + 1
USER, NOT, PREDICTED = "user", "not", "predicted"


class TagArea(QWidget):
    """Tag rows and the edit line; Yes, No and Remove act on the current row."""

    tag_added = Signal(str)  # is (typed, or Yes on a "not" row)
    tag_removed = Signal(str)  # forget what was said (is or is not)
    tag_not_requested = Signal(str)  # is not (typed, or No on a confirmed row)
    accept_requested = Signal(str)  # Yes on a prediction
    reject_requested = Signal(str)  # No on a prediction

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tags = QListWidget(self)
        self.tags.setMaximumHeight(110)
        self.tags.setAccessibleName("Tags")
        self.tag_edit = QLineEdit(self, placeholderText="Add tags, comma-separated… (Enter)")
        self.completions = QStringListModel(self)
        self.tag_edit.setCompleter(ListCompleter(self.completions, self))
        self.tag_edit.completer().setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.yes = QPushButton("Yes", self)
        self.yes.setToolTip("It is this tag (confirms a prediction)")
        self.no = QPushButton("Not", self)
        self.no.setToolTip("It is not this tag: a negative example for training")
        self.remove_tag = QPushButton("Remove tag", self)
        self.remove_tag.setToolTip("Forget what you said about this tag")
        self._layout()
        self.tag_edit.returnPressed.connect(self._add_typed)
        self.yes.clicked.connect(self._yes)
        self.no.clicked.connect(self._no)
        self.remove_tag.clicked.connect(self._remove)
        self.tags.currentItemChanged.connect(lambda *_: self._enable())
        self.tag_edit.textChanged.connect(lambda *_: self._enable())

    def _layout(self) -> None:
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.tags)
        box.addWidget(self.tag_edit)
        row = QHBoxLayout()
        row.addStretch(1)
        for button in (self.yes, self.no, self.remove_tag):
            row.addWidget(button)
        box.addLayout(row)

    def set_known_tags(self, names: list[str]) -> None:
        self.completions.setStringList(names)

    def show_tags(self, counts: dict[str, int], selected: int) -> None:
        """The confirmed tags of the selection, ``(k/n)`` when more than one is selected."""
        self.tags.clear()
        for name, count in sorted(counts.items()):
            suffix = f"  ({count}/{selected})" if selected > 1 else ""
            self._row(f"{name}{suffix}", name, USER)
        self._enable()

    def show_labels(self, labels: list[dict[str, Any]]) -> None:
        """Add the current item's predictions and "not" labels below its confirmed tags."""
        shown = {self._row_name(i) for i in range(self.tags.count())}
        for label in sorted(labels, key=lambda lb: (lb["source"] != PREDICTED, lb["name"])):
            name, source = label["name"], label["source"]
            if source == PREDICTED and name not in shown:
                score = label.get("score")
                known = isinstance(score, (int, float))
                text = f"{name}  · predicted {score:.2f}" if known else f"{name}  · predicted"
                self._row(text, name, PREDICTED)
            elif source == NOT:
                self._row(f"not {name}", name, NOT)
        self._enable()

    def _row(self, text: str, name: str, source: str) -> None:
        item = QListWidgetItem(text, self.tags)
        item.setData(Qt.ItemDataRole.UserRole, name)
        item.setData(SourceRole, source)
        font = QFont(self.tags.font())
        font.setItalic(source == PREDICTED)
        font.setStrikeOut(source == NOT)
        item.setFont(font)
        if source != USER:
            item.setForeground(self.palette().color(QPalette.ColorRole.PlaceholderText))
        tips = {
            PREDICTED: f"Predicted “{name}”: Yes confirms it, Not rejects it",
            NOT: f"You said this is not “{name}”",
        }
        item.setToolTip(tips.get(source, f"You tagged this “{name}”"))

    def _row_name(self, row: int) -> str:
        item = self.tags.item(row)
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else ""

    def current(self) -> tuple[str, str] | None:
        """(name, source) of the current row."""
        item = self.tags.currentItem()
        if item is None:
            return None
        return str(item.data(Qt.ItemDataRole.UserRole)), str(item.data(SourceRole))

    def _enable(self) -> None:
        current, typed = self.current(), bool(self.tag_edit.text().strip())
        source = current[1] if current else None
        self.yes.setEnabled(typed or source in (PREDICTED, NOT))
        self.no.setEnabled(typed or source in (PREDICTED, USER))
        self.remove_tag.setEnabled(source in (USER, NOT))

    def _typed(self) -> list[str]:
        """The tags typed (comma-separated), taken out of the edit line."""
        names = split_tags(self.tag_edit.text())
        self.tag_edit.clear()
        return names

    def _add_typed(self) -> None:
        for name in self._typed():
            emit(self.tag_added, name)

    def _yes(self) -> None:
        if self.tag_edit.text().strip() or self.current() is None:
            self._add_typed()
            return
        name, source = self.current() or ("", "")
        emit(self.accept_requested if source == PREDICTED else self.tag_added, name)

    def _no(self) -> None:
        if self.tag_edit.text().strip() or self.current() is None:
            for name in self._typed():
                emit(self.tag_not_requested, name)
            return
        name, source = self.current() or ("", "")
        emit(self.reject_requested if source == PREDICTED else self.tag_not_requested, name)

    def _remove(self) -> None:
        current = self.current()
        if current is not None and current[1] in (USER, NOT):
            emit(self.tag_removed, current[0])
