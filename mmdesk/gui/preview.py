"""The preview pane: a large image, the file's facts, its tags and its texts.

Tag edits apply to every selected item; the pane only emits what the person asked for and the
window sends it to the writer, so the pane never touches the database. It is stale when the
tags or texts of an item it shows change (:meth:`PreviewPane.wants_refresh`).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtGui import QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QCompleter,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from mmdesk.core.jobs import Changes
from mmdesk.core.search import Result
from mmdesk.gui.compat import emit
from mmdesk.gui.thumbs import Thumbnails


def human_size(size: int | None) -> str:
    if not size:
        return "—"
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return str(size)


class PreviewPane(QWidget):
    """Shows the current result; emits tag edits and open/reveal/similar requests."""

    tag_added = Signal(str)
    tag_removed = Signal(str)
    open_requested = Signal()
    reveal_requested = Signal()
    similar_requested = Signal()

    def __init__(self, images: Thumbnails, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.images = images
        self.result: Result | None = None
        self.item_ids: set[int] = set()  # every item shown (the selection)
        self._pixmap: QPixmap | None = None
        self.image = QLabel(self, alignment=Qt.AlignmentFlag.AlignCenter)
        self.image.setMinimumSize(200, 160)
        self.image.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.name = QLabel(self, wordWrap=True)
        self.name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.facts = QFormLayout()
        self.fields = {
            k: self._fact(k) for k in ("Folder", "Size", "Dimensions", "Date", "Camera", "Score")
        }
        self.tags = QListWidget(self)
        self.tags.setMaximumHeight(90)
        self.tag_edit = QLineEdit(self, placeholderText="Add a tag… (Enter)")
        self.completions = QStringListModel(self)
        self.tag_edit.setCompleter(QCompleter(self.completions, self))
        self.tag_edit.completer().setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.remove_tag = QPushButton("Remove tag", self)
        self.texts = QPlainTextEdit(self, readOnly=True)
        self.texts.setPlaceholderText(
            "Captions, text found in the image and transcripts appear here."
        )
        self.texts.setMaximumHeight(110)
        self.buttons = {
            k: QPushButton(k, self) for k in ("Open", "Show in folder", "More like this")
        }
        self._layout()
        self._connect()
        images.ready.connect(self._image_ready)
        self.show_results([], {}, [])

    def _fact(self, label: str) -> QLabel:
        value = QLabel("—", self)
        value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        value.setWordWrap(True)
        self.facts.addRow(label, value)
        return value

    def _layout(self) -> None:
        box = QVBoxLayout(self)
        box.addWidget(self.image, 1)
        box.addWidget(self.name)
        box.addLayout(self.facts)
        box.addWidget(QLabel("<b>Tags</b>", self))
        box.addWidget(self.tags)
        row = QHBoxLayout()
        row.addWidget(self.tag_edit, 1)
        row.addWidget(self.remove_tag)
        box.addLayout(row)
        box.addWidget(QLabel("<b>Text</b>", self))
        box.addWidget(self.texts)
        buttons = QHBoxLayout()
        for button in self.buttons.values():
            buttons.addWidget(button)
        box.addLayout(buttons)

    def _connect(self) -> None:
        self.tag_edit.returnPressed.connect(self._add_tag)
        self.remove_tag.clicked.connect(self._remove_tag)
        self.buttons["Open"].clicked.connect(self.open_requested)
        self.buttons["Show in folder"].clicked.connect(self.reveal_requested)
        self.buttons["More like this"].clicked.connect(self.similar_requested)

    def wants_refresh(self, changes: Changes) -> bool:
        """Whether ``changes`` touched the tags or texts of what the pane shows."""
        return bool(self.item_ids & changes.labels) or (changes.texts and bool(self.item_ids))

    def set_known_tags(self, names: list[str]) -> None:
        self.completions.setStringList(names)

    def show_results(
        self, selected: list[Result], tag_counts: dict[str, int], texts: list[dict[str, Any]]
    ) -> None:
        """Show the first of ``selected``; tags are counted over all of them."""
        self.result = selected[0] if selected else None
        self.item_ids = {r.item_id for r in selected}
        enabled = self.result is not None
        for widget in (self.tag_edit, self.remove_tag, self.tags, *self.buttons.values()):
            widget.setEnabled(enabled)
        self.tags.clear()
        for name, count in sorted(tag_counts.items()):
            suffix = f"  ({count}/{len(selected)})" if len(selected) > 1 else ""
            self.tags.addItem(f"{name}{suffix}")
            self.tags.item(self.tags.count() - 1).setData(Qt.ItemDataRole.UserRole, name)
        self.texts.setPlainText("\n\n".join(f"[{t['source']}] {t['text']}" for t in texts))
        self._show_facts(selected)
        self._pixmap = None
        self._load_image()

    def _show_facts(self, selected: list[Result]) -> None:
        r = self.result
        if r is None:
            self.name.setText("<i>Nothing selected</i>")
            for value in self.fields.values():
                value.setText("—")
            return
        extra = f" and {len(selected) - 1} more" if len(selected) > 1 else ""
        self.name.setText(f"<b>{Path(r.path).name}</b>{extra}")
        f = r.file
        mtime = f.get("mtime_ns")
        modified = (
            dt.datetime.fromtimestamp(mtime / 1e9).strftime("%Y-%m-%d %H:%M") if mtime else "—"
        )
        self.fields["Folder"].setText(str(Path(r.path).parent))
        self.fields["Size"].setText(human_size(f.get("size")))
        dims = f"{f['width']} × {f['height']}" if f.get("width") else "—"
        self.fields["Dimensions"].setText(dims)
        taken = str(f.get("taken_at") or "").replace("T", " ")
        self.fields["Date"].setText(f"{taken} (taken)" if taken else f"{modified} (modified)")
        self.fields["Camera"].setText(f.get("camera") or "—")
        self.fields["Score"].setText("—" if math.isnan(r.score) else f"{r.score:.3f}")

    def _add_tag(self) -> None:
        name = self.tag_edit.text().strip()
        if name and self.result is not None:
            emit(self.tag_added, name)
        self.tag_edit.clear()

    def _remove_tag(self) -> None:
        item = self.tags.currentItem()
        if item is not None:
            emit(self.tag_removed, item.data(Qt.ItemDataRole.UserRole))

    def _load_image(self) -> None:
        if self.result is None:
            self.image.setPixmap(QPixmap())
            self.image.setText("")
            return
        f = self.result.file
        self._pixmap = self.images.get(self.result.path, f.get("mtime_ns"), f.get("size"))
        if self._pixmap is None:
            failed = self.images.failed(self.result.path, f.get("mtime_ns"))
            self.image.setText("cannot show this file" if failed else "loading…")
        self._fit()

    def _image_ready(self, path: str) -> None:
        if self.result is not None and path == self.result.path:
            self._load_image()

    def _fit(self) -> None:
        if self._pixmap is None:
            return
        size = self.image.size()
        self.image.setPixmap(
            self._pixmap.scaled(
                size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        )

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()
