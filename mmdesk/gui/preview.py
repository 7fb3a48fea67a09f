"""The preview pane: a large image, the file's facts, its tags and its texts.

A video or a sound shows a player instead of the image, cued at the result's moment, with the
file's matching moments under it, its media facts (length, codecs) and, for sounds, what is said
in it line by line; a click on a moment or a line seeks the player. The pane reads nothing
itself: the window gives it ``moments_of`` and ``transcript_of`` (defaults use what the
result carries and the texts passed in).

Tag edits apply to every selected item, a caption edit to the current one; the pane only emits
what the person asked for and the window sends it to the writer, so the pane never touches the
database. It is stale when the
tags or texts of an item it shows change (:meth:`PreviewPane.wants_refresh`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QHideEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from mmdesk.core.jobs import Changes
from mmdesk.core.search import Result
from mmdesk.gui.compat import emit
from mmdesk.gui.moments import MomentsStrip, Segment, TranscriptList, transcript_segments
from mmdesk.gui.player import MediaPlayer
from mmdesk.gui.preview_tags import TagArea
from mmdesk.gui.results import (
    MOMENT_KINDS,
    clock,
    duration,
    file_kind_of,
    file_meta,
    moments_of,
    picture_moment,
    time_range,
)
from mmdesk.gui.scores import score_text
from mmdesk.gui.text_boxes import TextArea, draw_boxes, ocr_lines
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


def is_media(result: Result) -> bool:
    """Whether the result is a moment of a video or a sound (the pane shows a player)."""
    return result.kind in MOMENT_KINDS or file_kind_of(result) in ("video", "audio")


def codecs(result: Result) -> str:
    """``h264 / aac``: the file's video and sound codecs, as the index recorded them."""
    meta = file_meta(result)
    names = [meta.get(k) for k in ("video_codec", "audio_codec", "codec")]
    return " / ".join(dict.fromkeys(str(n) for n in names if n)) or "—"


def own_moments(result: Result) -> list[Result]:
    """The result and the other matching moments it carries (when grouped)."""
    return [result, *moments_of(result)]


def own_transcript(result: Result, texts: list[dict[str, Any]]) -> list[Segment]:
    """What the result's own item says (its texts are the ones the pane was given)."""
    return transcript_segments(texts, result.start, result.end)


class PreviewPane(QWidget):
    """Shows the current result; emits tag edits and open/reveal/similar requests."""

    tag_added = Signal(str)
    tag_removed = Signal(str)
    tag_not_requested = Signal(str)
    accept_requested = Signal(str)  # a prediction confirmed
    reject_requested = Signal(str)  # a prediction rejected
    open_requested = Signal()
    reveal_requested = Signal()
    similar_requested = Signal()
    caption_saved = Signal(int, str)  # (item id, a person's caption)
    draft_dropped = Signal(str)  # a typed tag left unsent: its items are no longer shown

    def __init__(
        self,
        images: Thumbnails,
        parent: QWidget | None = None,
        strip_thumbs: Thumbnails | None = None,
    ) -> None:
        super().__init__(parent)
        self.images = images
        self.moments_of: Callable[[Result], list[Result]] = own_moments
        self.transcript_of: Callable[[Result, list[dict[str, Any]]], list[Segment]] = own_transcript
        self.turns_of: Callable[[Result], int] = lambda _: 0  # a person's rotation of a photo
        self.result: Result | None = None
        self._cued: tuple[str, int] | None = None  # (path, item) the player was cued on
        self.item_ids: set[int] = set()  # every item shown (the selection)
        self._pixmap: QPixmap | None = None
        self.image = QLabel(self, alignment=Qt.AlignmentFlag.AlignCenter)
        self.image.setMinimumSize(200, 160)
        self.image.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.name = QLabel(self, wordWrap=True)
        self.name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.facts = QFormLayout()
        self.fields = {
            k: self._fact(k)
            for k in (
                "Folder",
                "Moment",
                "Duration",
                "Size",
                "Dimensions",
                "Codec",
                "Date",
                "Camera",
                "Score",
            )
        }
        self.player = MediaPlayer(self)
        self.strip = MomentsStrip(
            strip_thumbs or Thumbnails(images.runner, images.cache_dir, parent=self), self
        )
        self.transcript = TranscriptList(self)
        self.transcript.setMaximumHeight(140)
        self.transcript_title = QLabel("<b>What is said</b>", self)
        self.tag_area = TagArea(self)
        self.tags, self.tag_edit = self.tag_area.tags, self.tag_area.tag_edit
        self.remove_tag, self.completions = self.tag_area.remove_tag, self.tag_area.completions
        self.text_area = TextArea(self)
        self.texts = self.text_area.others  # text in image, spoken, notes (read-only)
        self.show_boxes = QCheckBox("Show text boxes on the picture", self)
        self._lines: list[dict[str, Any]] = []  # the shown item's OCR lines with boxes
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
        box.addWidget(self.player, 1)
        box.addWidget(self.strip)
        box.addWidget(self.name)
        box.addLayout(self.facts)
        box.addWidget(self.transcript_title)
        box.addWidget(self.transcript)
        box.addWidget(QLabel("<b>Tags</b>", self))
        box.addWidget(self.tag_area)
        box.addWidget(QLabel("<b>Caption and text</b>", self))
        box.addWidget(self.text_area)
        box.addWidget(self.show_boxes)
        buttons = QHBoxLayout()
        for button in self.buttons.values():
            buttons.addWidget(button)
        box.addLayout(buttons)

    def _connect(self) -> None:
        area = self.tag_area
        for mine, theirs in (
            (self.tag_added, area.tag_added),
            (self.tag_removed, area.tag_removed),
            (self.tag_not_requested, area.tag_not_requested),
            (self.accept_requested, area.accept_requested),
            (self.reject_requested, area.reject_requested),
        ):
            theirs.connect(mine)
        self.show_boxes.toggled.connect(lambda _: self._fit())
        self.text_area.caption_saved.connect(self._caption_saved)
        self.buttons["Open"].clicked.connect(self.open_requested)
        self.buttons["Show in folder"].clicked.connect(self.reveal_requested)
        self.buttons["More like this"].clicked.connect(self.similar_requested)
        self.player.position_changed.connect(self.strip.set_position)
        self.strip.seek_requested.connect(self.player.seek)
        self.transcript.seek_requested.connect(self.player.seek)

    def wants_refresh(self, changes: Changes) -> bool:
        """Whether ``changes`` touched the tags or texts of what the pane shows."""
        return bool(self.item_ids & changes.labels) or (changes.texts and bool(self.item_ids))

    def set_known_tags(self, names: list[str]) -> None:
        self.tag_area.set_known_tags(names)

    def show_labels(self, labels: list[dict[str, Any]]) -> None:
        """Show the current item's predicted and "not" labels apart from its confirmed tags."""
        self.tag_area.show_labels(labels if self.result is not None else [])

    def show_results(
        self, selected: list[Result], tag_counts: dict[str, int], texts: list[dict[str, Any]]
    ) -> None:
        """Show the first of ``selected``; tags are counted over all of them. A tag typed for
        other items is dropped (and said so): it never lands on items it was not typed for."""
        ids = {r.item_id for r in selected}
        draft = self.tag_edit.text().strip()
        if draft and ids != self.item_ids:
            self.tag_edit.clear()
            emit(self.draft_dropped, draft)
        self.result = selected[0] if selected else None
        self.item_ids = ids
        enabled = self.result is not None
        for widget in (self.tag_area, *self.buttons.values()):
            widget.setEnabled(enabled)
        self.tag_area.show_tags(tag_counts, len(selected))
        self.text_area.show_texts(None if self.result is None else self.result.item_id, texts)
        self._lines = ocr_lines(texts) if self.result is not None else []
        self.show_boxes.setEnabled(bool(self._lines))
        self._show_facts(selected)
        self._show_media(texts)
        self._pixmap = None
        self._load_image()

    def _show_media(self, texts: list[dict[str, Any]]) -> None:
        """The player, moments and transcript for a video or sound; hidden for a photo. The
        player is cued again only when the item changes, not when its tags do."""
        r = self.result
        media = r is not None and is_media(r)
        self.image.setVisible(not media)
        self.show_boxes.setVisible(not media)
        for widget in (self.player, self.strip):
            widget.setVisible(media)
        if r is None or not media:
            self._cued = None
            self.player.stop()
            self.transcript_title.hide()
            self.transcript.hide()
            return
        if self._cued != (r.path, r.item_id):
            self._cued = (r.path, r.item_id)
            self.player.load(r.path, r.start or 0.0, video=file_kind_of(r) == "video")
        self.strip.show_moments(self.moments_of(r), r)
        self.strip.set_position(self.player.position())
        self.transcript.show_segments(self.transcript_of(r, texts))
        self.transcript_title.setVisible(self.transcript.isVisibleTo(self))

    def _caption_saved(self, text: str) -> None:
        if self.result is not None:
            emit(self.caption_saved, self.result.item_id, text)

    def _show_facts(self, selected: list[Result]) -> None:
        r = self.result
        if r is None:
            self.name.setText("<i>Nothing selected</i>")
            for value in self.fields.values():
                value.setText("—")
            self._show_media_facts(None)
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
        self.fields["Score"].setText(score_text(r.score) or "—")
        self.facts.setRowVisible(self.fields["Score"], bool(score_text(r.score)))  # browsing
        self._show_media_facts(r)

    def _show_media_facts(self, r: Result | None) -> None:
        media = r is not None and is_media(r)
        for key in ("Moment", "Duration", "Codec"):
            self.facts.setRowVisible(self.fields[key], media)
        self.facts.setRowVisible(self.fields["Camera"], not media)
        sound = r is not None and file_kind_of(r) == "audio"
        self.facts.setRowVisible(self.fields["Dimensions"], not sound)
        if r is None or not media:
            return
        self.fields["Moment"].setText(time_range(r) or "the whole file")
        self.fields["Duration"].setText(clock(duration(r)) or "—")
        self.fields["Codec"].setText(codecs(r))

    def _load_image(self) -> None:
        if self.result is None:
            self.image.setPixmap(QPixmap())
            self.image.setText("")
            return
        r, f = self.result, self.result.file
        moment = picture_moment(r)
        turns = 0 if is_media(r) else self.turns_of(r)
        self._pixmap = self.images.get(r.path, f.get("mtime_ns"), f.get("size"), *moment, turns)
        failed = self._pixmap is None and self.images.failed(
            r.path, f.get("mtime_ns"), *moment, turns
        )
        waiting = "cannot show this file" if failed else "loading…"
        if is_media(r):
            self.player.set_picture(self._pixmap, waiting)
            self._pixmap = None
            return
        if self._pixmap is None:
            self.image.setText(waiting)
        self._fit()

    def _image_ready(self, path: str) -> None:
        if self.result is not None and path == self.result.path:
            self._load_image()

    def _fit(self) -> None:
        if self._pixmap is None:
            return
        size = self.image.size()
        scaled = self._pixmap.scaled(
            size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        if self.show_boxes.isChecked():
            scaled = draw_boxes(scaled, self._lines)
        self.image.setPixmap(scaled)

    def hideEvent(self, event: QHideEvent) -> None:
        self.player.pause()  # a hidden preview does not go on playing
        super().hideEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()
