"""Dialogs: plugins (what was found and what is broken), settings, and error messages.

Dialogs get plain data and return plain choices; the window applies them through the runner.
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QMessageBox,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mmdesk.errors import MmdeskError
from mmdesk.plugins.discovery import Discovered

log = logging.getLogger(__name__)


class PluginsDialog(QDialog):
    """Every discovered plugin with its state; a broken one shows why."""

    def __init__(self, found: list[Discovered], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Plugins")
        self.resize(720, 360)
        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels(["Plugin", "State", "Source", "Folder / problem"])
        for d in found:
            name = (
                f"{d.manifest.name} ({d.manifest.id} {d.manifest.version})"
                if d.manifest
                else d.folder.name
            )
            item = QTreeWidgetItem(
                self.tree, [name, "ok" if d.ok else "broken", d.source, d.error or str(d.folder)]
            )
            item.setToolTip(3, d.error or str(d.folder))
            for encoder in d.manifest.encoders if d.manifest else ():
                QTreeWidgetItem(
                    item, [encoder.id, encoder.modality, encoder.space, f"{encoder.dim} dimensions"]
                )
            item.setExpanded(True)
        if not found:
            QTreeWidgetItem(
                self.tree, ["no plugins found", "", "", "run `mmdesk models build-default`"]
            )
        for column in range(3):
            self.tree.resizeColumnToContents(column)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addWidget(self.tree)
        box.addWidget(buttons)


@dataclass
class RuntimeChoices:
    """What the settings dialog shows and returns."""

    device: str
    threads: int
    space: str | None
    spaces: list[str]
    providers_used: dict[str, str | None]
    providers_available: list[str]
    data_dir: str
    ocr: bool = True  # read the text in new pictures while indexing
    caption_new: bool = True  # caption new pictures while indexing
    captioner: str | None = None  # the chosen captioner; None: the default one
    captioners: list[dict[str, Any]] = field(default_factory=list)  # Library.captioners()
    transcripts: bool = True  # transcribe speech in new sounds and videos
    video_gap: float = 10.0  # seconds: a frame at least this often in an unchanging shot
    video_sensitivity: float = 0.5  # 0..1: how small a change of picture is a new moment


DEFAULT_CAPTIONER_TEXT = "Automatic (the default model's, when installed)"


def captioner_text(captioner: dict[str, Any]) -> str:
    """A captioner as the settings list names it: label-based ones say they guess."""
    return captioner["id"] + " (label-based: guesses from labels)" * bool(captioner["label_based"])


class SettingsDialog(QDialog):
    """Device, threads, the embedding space, and what indexing adds (text read, captions);
    the data location is shown, not moved."""

    def __init__(self, choices: RuntimeChoices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.choices = choices
        self.device = QComboBox(self)
        for label, value in (
            ("Automatic (GPU if available)", "auto"),
            ("CPU", "cpu"),
            ("GPU (CUDA)", "cuda"),
        ):
            self.device.addItem(label, value)
        self.device.setCurrentIndex(max(0, self.device.findData(choices.device)))
        self.threads = QSpinBox(self, minimum=0, maximum=256, value=choices.threads)
        self.threads.setSpecialValueText("automatic")
        self.space = QComboBox(self)
        for space in choices.spaces:
            self.space.addItem(space, space)
        self.space.setCurrentIndex(max(0, self.space.findData(choices.space)))
        self._text_widgets(choices)
        form = QFormLayout()
        form.addRow("Run models on", self.device)
        form.addRow("In use", _label(self, _providers_text(choices.providers_used)))
        form.addRow("Available", _label(self, ", ".join(choices.providers_available) or "—"))
        form.addRow("CPU threads", self.threads)
        form.addRow("Embedding space", self.space)
        form.addRow("Text in pictures", self.ocr)
        form.addRow("Captioner", self.captioner)
        form.addRow("Captions", self.caption_new)
        form.addRow("Speech", self.transcripts)
        form.addRow("Video frames", self.video_gap)
        form.addRow("Scene changes", self.video_sensitivity)
        form.addRow(
            "Data folder",
            _label(self, f"{choices.data_dir}\n(move it with --data-dir or MMDESK_DATA_DIR)"),
        )
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addLayout(form)
        box.addWidget(buttons)

    def _text_widgets(self, choices: RuntimeChoices) -> None:
        """OCR and captioning: settings of the library, applied on the writer."""
        self.ocr = QCheckBox("Read the text in new pictures (OCR)", self)
        self.ocr.setChecked(choices.ocr)
        self.caption_new = QCheckBox("Caption new pictures while indexing", self)
        self.caption_new.setChecked(choices.caption_new)
        self.captioner = QComboBox(self)
        self.captioner.addItem(DEFAULT_CAPTIONER_TEXT, None)
        for captioner in choices.captioners:
            self.captioner.addItem(captioner_text(captioner), captioner["id"])
        self.captioner.setCurrentIndex(max(0, self.captioner.findData(choices.captioner)))
        self.captioner.setEnabled(bool(choices.captioners))
        self.captioner.setToolTip("Captions already written stay until you caption again")
        self.transcripts = QCheckBox("Transcribe speech in new sounds and videos", self)
        self.transcripts.setChecked(choices.transcripts)
        self.video_gap = QDoubleSpinBox(self, minimum=1.0, maximum=600.0, value=choices.video_gap)
        self.video_gap.setPrefix("at least one every ")
        self.video_gap.setSuffix(" s of an unchanging shot")
        self.video_gap.setDecimals(0)
        self.video_sensitivity = QDoubleSpinBox(
            self, minimum=0.0, maximum=1.0, singleStep=0.1, value=choices.video_sensitivity
        )
        self.video_sensitivity.setToolTip(
            "How small a change of picture starts a new moment: higher keeps more frames. "
            "Applies to videos indexed from now on."
        )

    def result_choices(self) -> RuntimeChoices:
        return RuntimeChoices(
            self.device.currentData(),
            self.threads.value(),
            self.space.currentData(),
            self.choices.spaces,
            self.choices.providers_used,
            self.choices.providers_available,
            self.choices.data_dir,
            ocr=self.ocr.isChecked(),
            caption_new=self.caption_new.isChecked(),
            captioner=self.captioner.currentData(),
            captioners=self.choices.captioners,
            transcripts=self.transcripts.isChecked(),
            video_gap=self.video_gap.value(),
            video_sensitivity=self.video_sensitivity.value(),
        )


def _providers_text(used: dict[str, str | None]) -> str:
    if not used:
        return "no model loaded yet"
    return "\n".join(
        f"{encoder}: {provider or 'not loaded yet'}" for encoder, provider in sorted(used.items())
    )


def _label(parent: QWidget, text: str) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def error_text(exc: BaseException) -> str:
    """One line a person can read: our own errors as written, others with their type."""
    if isinstance(exc, MmdeskError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def show_unexpected(exc: BaseException, parent: QWidget | None = None) -> None:
    """A dialog for an error we did not expect, with the traceback behind 'Show Details'."""
    log.error("unexpected error", exc_info=(type(exc), exc, exc.__traceback__))
    box = QMessageBox(
        QMessageBox.Icon.Critical,
        "mmdesk: something went wrong",
        "mmdesk hit an unexpected problem. Your library is safe; the last action "
        "may not have completed.\n\n" + error_text(exc),
        parent=parent,
    )
    box.setDetailedText("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
