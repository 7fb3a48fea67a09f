"""The preview's text area: the caption a person can correct, the other texts (text in the
image, what is spoken, notes) apart from it, and the OCR boxes drawn over the picture.

The area only shows plain data (``Library.texts_for``) and emits :attr:`TextArea.caption_saved`
with the edited words; the window writes them. An unsaved edit is kept as a draft of its item
until saved or undone: a caption job publishing a batch re-runs the search, which clears and
restores the selection, and that must not eat what a person was typing.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QPainter, QPen, QPixmap, QPolygonF, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from mmdesk.gui.compat import emit

# How each text source is named to a person (the same words as a result's "matched").
SOURCE_LABELS = {
    "caption": "caption",
    "ocr": "text in image",
    "transcript": "spoken",
    "user": "note",
}
USER = "user"  # the producer of a person's caption, as the library stores it


def shown_caption(texts: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The caption an item shows: a person's if any, else the newest captioner's."""
    captions = [t for t in texts if t.get("source") == "caption"]
    mine = [t for t in captions if t.get("producer") == USER]
    return (mine or captions)[-1] if captions else None


def caption_note(caption: dict[str, Any] | None) -> str:
    """Who wrote the caption, said so a person knows how far to trust it."""
    if caption is None:
        return "No caption yet: write one and save it."
    if caption.get("producer") == USER:
        return "Your caption (captioners never change it)."
    producer = caption.get("producer") or "a captioner"
    if caption.get("label_based"):
        return f"Label-based guess by {producer}: correct it here."
    return f"By {producer}: correct it here."


def describe_texts(texts: list[dict[str, Any]]) -> str:
    """The item's texts other than captions, each source under its name, as HTML."""
    parts = []
    for source in ("ocr", "transcript", "user"):
        found = [t["text"] for t in texts if t.get("source") == source and t.get("text")]
        if found:
            body = "<br>".join(html.escape(t).replace("\n", "<br>") for t in found)
            parts.append(f"<p><b>{SOURCE_LABELS[source].capitalize()}</b><br>{body}</p>")
    return "".join(parts)


class TextArea(QWidget):
    """The caption editor with Save, over the read-only other texts."""

    caption_saved = Signal(str)  # the person's caption for the item shown

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._caption = ""  # the caption as last shown, to tell an edit from a refresh
        self._item: int | None = None
        self._drafts: dict[int, str] = {}  # item id -> an unsaved edit of its caption
        self.note = QLabel(self, wordWrap=True)
        self.note.setStyleSheet("font-style: italic;")
        self.caption = QPlainTextEdit(self)
        self.caption.setPlaceholderText("Describe this picture in your own words…")
        self.caption.setMaximumHeight(56)
        self.caption.setTabChangesFocus(True)
        self.save = QPushButton("Save caption", self)
        self.save.setToolTip("Keep this caption (Ctrl+Enter); captioners never overwrite it")
        self.revert = QPushButton("Undo edit", self)
        self.others = QTextEdit(self, readOnly=True)
        self.others.setPlaceholderText("Text read in the picture shows here.")  # fits unwrapped
        self.others.setMaximumHeight(90)
        self._layout()
        self.caption.textChanged.connect(self._edited)
        self.save.clicked.connect(self._save)
        self.revert.clicked.connect(self._revert)
        shortcut = QShortcut(QKeySequence("Ctrl+Return"), self.caption)
        shortcut.activated.connect(self._save)
        self.show_texts(None, [])

    def _layout(self) -> None:
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.note)
        box.addWidget(self.caption)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.revert)
        row.addWidget(self.save)
        box.addLayout(row)
        box.addWidget(self.others)

    def edited(self) -> bool:
        """Whether the caption field holds words the person typed and has not saved."""
        return self.caption.toPlainText().strip() != self._caption.strip()

    def show_texts(self, item_id: int | None, texts: list[dict[str, Any]]) -> None:
        """Show ``item_id``'s texts; its unsaved edit, if any, stays in the caption field."""
        caption = shown_caption(texts)
        words = "" if caption is None else str(caption["text"])
        if self._item is not None and self.edited():
            self._drafts[self._item] = self.caption.toPlainText()
        draft = self._drafts.get(item_id) if item_id is not None else None
        self._item, self._caption = item_id, words
        self.caption.setEnabled(item_id is not None)
        self.caption.setPlainText(words if draft is None else draft)
        self.note.setText("" if item_id is None else caption_note(caption))
        self.others.setHtml(describe_texts(texts))
        self._edited()

    def _edited(self) -> None:
        dirty = self._item is not None and self.edited()
        if self._item is not None and not dirty:
            self._drafts.pop(self._item, None)  # saved, undone or typed back: no draft
        self.save.setEnabled(dirty and bool(self.caption.toPlainText().strip()))
        self.revert.setEnabled(dirty)

    def _revert(self) -> None:
        self.caption.setPlainText(self._caption)

    def _save(self) -> None:
        if self.save.isEnabled():
            emit(self.caption_saved, self.caption.toPlainText().strip())


def ocr_lines(texts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The boxed OCR lines among ``texts``, each with the size of the picture it was read on."""
    lines = []
    for text in texts:
        meta = text.get("meta") or {}
        if text.get("source") == "ocr" and meta.get("size"):
            lines += [{**ln, "size": meta["size"]} for ln in meta.get("lines", []) if ln.get("box")]
    return lines


def draw_boxes(pixmap: QPixmap, lines: list[dict[str, Any]]) -> QPixmap:
    """A copy of ``pixmap`` (the upright picture at any scale) with each line's box drawn."""
    if not lines or pixmap.isNull():
        return pixmap
    out = QPixmap(pixmap)
    painter = QPainter(out)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor(255, 200, 0), 2, Qt.PenStyle.SolidLine))
    for line in lines:
        width, height = line["size"]
        sx, sy = out.width() / max(width, 1), out.height() / max(height, 1)
        painter.drawPolygon(QPolygonF([QPointF(x * sx, y * sy) for x, y in line["box"]]))
    painter.end()
    return out
