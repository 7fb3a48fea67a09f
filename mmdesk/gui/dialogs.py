"""Dialogs: plugins (what was found and what is broken), settings, help, and error messages.

Dialogs get plain data and return plain choices; the window applies them through the runner.
Settings speak a person's language ("This computer's processor", not "CPU execution
provider"); a choice this machine cannot honour (an NVIDIA GPU without CUDA in ONNX Runtime) is
shown disabled with the reason, not hidden. File choosers are the platform's native ones.
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mmdesk.errors import MmdeskError
from mmdesk.plugins.discovery import Discovered

log = logging.getLogger(__name__)


PLUGIN_COLUMNS = ["Plugin", "Version", "State", "Source", "Licence"]


def plugin_details(d: Discovered) -> str:
    """Everything about one plugin, as text a person can read and copy: the full error."""
    m = d.manifest
    lines = [f"{m.name} ({m.id} {m.version})" if m else d.folder.name, f"Folder: {d.folder}"]
    lines.append(f"Source: {d.source}")
    if m is not None:
        lines.append(f"Licence: {m.licence}")
        lines += [f"Encoder {e.id}: {e.modality}, space {e.space}, {e.dim} dimensions"
                  for e in m.encoders]  # fmt: skip
    lines.append(f"\nProblem:\n{d.error}" if d.error else "\nWorking.")
    return "\n".join(lines)


class PluginsDialog(QDialog):
    """Every discovered plugin in clear columns; the selected one's details below, with the
    full error text of a broken one (wrapped, selectable, copyable)."""

    def __init__(self, found: list[Discovered], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Plugins")
        self.resize(820, 520)
        self.found = found
        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels(PLUGIN_COLUMNS)
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.details = QPlainTextEdit(self, readOnly=True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.details.setAccessibleName("Plugin details")
        for n, d in enumerate(found):
            m = d.manifest
            row = [m.name if m else d.folder.name, f"{m.id} {m.version}" if m else "—"]
            row += ["working" if d.ok else "broken", d.source, m.licence if m else "—"]
            item = QTreeWidgetItem(self.tree, row)
            item.setData(0, Qt.ItemDataRole.UserRole, n)
            item.setToolTip(2, d.error or "")
        if not found:
            QTreeWidgetItem(self.tree, ["no plugins found", "", "", "", ""])
            self.details.setPlainText("No plugins found: run `mmdesk models build-default`.")
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        for column in range(1, len(PLUGIN_COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.currentItemChanged.connect(lambda item, _: self._show(item))
        broken = next((n for n, d in enumerate(found) if not d.ok), 0)
        first = self.tree.topLevelItem(broken) if found else None
        if first is not None:
            self.tree.setCurrentItem(first)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addWidget(self.tree, 3)
        box.addWidget(QLabel("Details (select and copy any of it):", self))
        box.addWidget(self.details, 2)
        box.addWidget(buttons)

    def _show(self, item: QTreeWidgetItem | None) -> None:
        n = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        if isinstance(n, int):
            self.details.setPlainText(plugin_details(self.found[n]))


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


DEVICES = (
    (
        "Automatic",
        "auto",
        "The NVIDIA GPU when there is one ONNX Runtime can use, else the processor",
    ),
    ("This computer's processor", "cpu", "Always run the models on the processor (CPU)"),
    ("NVIDIA GPU", "cuda", "Run the models on an NVIDIA graphics card (CUDA)"),
)
NO_CUDA = (
    "Not available on this computer: ONNX Runtime has no CUDA support here "
    "(it needs an NVIDIA GPU, its driver, and the onnxruntime-gpu package)"
)
RESTART_NOTE = "takes effect after restarting mmdesk"


def device_box(parent: QWidget, current: str, available: list[str]) -> QComboBox:
    """The device choice in words; the GPU disabled, with the reason, when CUDA is missing."""
    box = QComboBox(parent)
    for label, value, tip in DEVICES:
        box.addItem(label, value)
        box.setItemData(box.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
    if "CUDAExecutionProvider" not in available:
        gpu = box.findData("cuda")
        model = box.model()
        if isinstance(model, QStandardItemModel) and (item := model.item(gpu)) is not None:
            item.setEnabled(False)
            item.setToolTip(NO_CUDA)
        box.setItemText(gpu, "NVIDIA GPU (not available)")
        if current == "cuda":
            current = "auto"
    box.setCurrentIndex(max(0, box.findData(current)))
    return box


class SettingsDialog(QDialog):
    """Device, threads, the embedding space, what indexing adds (text read, captions), and
    where the library lives (a new data folder is used from the next start)."""

    def __init__(self, choices: RuntimeChoices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.choices = choices
        self.device = device_box(self, choices.device, choices.providers_available)
        self.threads = QSpinBox(self, minimum=0, maximum=256, value=choices.threads)
        self.threads.setSpecialValueText("Automatic")
        self.threads.setToolTip("Automatic leaves one core to the window so it never stalls")
        self.space = QComboBox(self)
        for space in choices.spaces:
            self.space.addItem(space, space)
        self.space.setCurrentIndex(max(0, self.space.findData(choices.space)))
        self._text_widgets(choices)
        form = QFormLayout()
        form.addRow("Run models on", self.device)
        if "CUDAExecutionProvider" not in choices.providers_available:
            form.addRow("", _label(self, "NVIDIA GPU: not available on this computer (no CUDA)"))
        form.addRow("In use", _label(self, _providers_text(choices.providers_used)))
        found = ", ".join(choices.providers_available) or "—"
        form.addRow("ONNX Runtime has", _label(self, found))
        form.addRow("CPU threads", self.threads)
        form.addRow("Embedding space", self.space)
        form.addRow("Text in pictures", self.ocr)
        form.addRow("Captioner", self.captioner)
        form.addRow("Captions", self.caption_new)
        form.addRow("Speech", self.transcripts)
        form.addRow("Video frames", self.video_gap)
        form.addRow("Scene changes", self.video_sensitivity)
        form.addRow("Data folder", self._data_row(choices.data_dir))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addLayout(form)
        box.addWidget(buttons)

    def _data_row(self, data_dir: str) -> QWidget:
        """The data folder, with a (native) folder chooser; a new one applies after restart."""
        row = QWidget(self)
        self.data_dir = QLineEdit(data_dir, row, readOnly=True)
        self.data_dir.setAccessibleName("Data folder")
        change = QPushButton("Change…", row)
        change.clicked.connect(self.choose_data_dir)
        self.data_note = QLabel("", row)
        line = QHBoxLayout()
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.data_dir, 1)
        line.addWidget(change)
        box = QVBoxLayout(row)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(line)
        box.addWidget(self.data_note)
        return row

    def choose_data_dir(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Where mmdesk keeps its library", self.data_dir.text()
        )
        if folder:
            self.set_data_dir(folder)

    def set_data_dir(self, folder: str) -> None:
        self.data_dir.setText(folder)
        changed = folder != self.choices.data_dir
        self.data_note.setText(f"New data folder: {RESTART_NOTE}" if changed else "")

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
            self.data_dir.text(),
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


def ask_open_many(parent: QWidget, count: int) -> bool:
    """Whether the person really wants ``count`` files opened in other apps at once."""
    answer = QMessageBox.question(
        parent,
        "Open many files?",
        f"Open {count} files in their apps? Each may open its own window.",
        QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Open


# -- help ------------------------------------------------------------------------------------
# The weights mmdesk's bundled plugins are built from, and the terms they come under.
BUNDLED_WEIGHTS = (
    ("EfficientNet-Lite0 (ImageNet classifier, default image model)", "Apache-2.0"),
    ("all-MiniLM-L6-v2 (sentence embeddings, default text model)", "Apache-2.0"),
    ("Whisper tiny.en (OpenAI; speech to text via faster-whisper)", "MIT"),
    ("aisfx (A. B. Ma and A. Lerch, 2022; sound embeddings)", "CC-BY-4.0"),
    ("dlib face detector, landmarks and ResNet embeddings (face-recognition-models)",
     "CC0-1.0 / public domain; dlib itself BSL-1.0"),
    ("PP-OCRv4 detection and recognition (PaddleOCR, via RapidOCR)", "Apache-2.0"),
)  # fmt: skip


def package_version(name: str) -> str:
    """An installed package's version without importing it (ONNX Runtime is heavy)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def versions() -> list[tuple[str, str]]:
    """(component, version) of mmdesk and what it runs on."""
    import platform

    import PySide6
    from PySide6.QtCore import qVersion

    from mmdesk import __version__

    onnx = package_version("onnxruntime")
    if onnx == "not installed":
        onnx = package_version("onnxruntime-gpu")
    return [
        ("mmdesk", __version__),
        ("Python", platform.python_version()),
        ("Qt", qVersion()),
        ("PySide6", PySide6.__version__),
        ("ONNX Runtime", onnx),
    ]


def about_html(found: list[Discovered]) -> str:
    """The About text: versions, the installed models with their licences, bundled weights."""
    rows = "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in versions())
    models = "".join(
        f"<li><b>{d.manifest.name}</b> ({d.manifest.id} {d.manifest.version}) — "
        f"licence: {d.manifest.licence}{'' if d.ok else ' — broken'}</li>"
        for d in found
        if d.manifest is not None
    )
    weights = "".join(f"<li>{name} — {licence}</li>" for name, licence in BUNDLED_WEIGHTS)
    return (
        "<h3>mmdesk</h3><p>Search your photos, sounds and videos by meaning, offline: nothing "
        f"leaves this computer.</p><table>{rows}</table>"
        f"<h4>Installed models</h4><ul>{models or '<li>none installed</li>'}</ul>"
        f"<h4>Bundled weights and their licences</h4><ul>{weights}</ul>"
    )


class HelpDialog(QDialog):
    """A read-only, selectable page of rich text (About, keyboard shortcuts)."""

    def __init__(self, title: str, html: str, parent: QWidget | None = None) -> None:
        from PySide6.QtWidgets import QTextBrowser

        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(620, 560)
        self.text = QTextBrowser(self)
        self.text.setOpenExternalLinks(False)
        self.text.setHtml(html)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addWidget(self.text)
        box.addWidget(buttons)


def shortcuts_html(shortcuts: list[tuple[str, str]]) -> str:
    """A two-column table: keys, what they do."""
    rows = "".join(f"<tr><td><b>{keys}</b>&nbsp;&nbsp;</td><td>{what}</td></tr>"
                   for keys, what in shortcuts)  # fmt: skip
    return f"<h3>Keyboard shortcuts</h3><table cellpadding='3'>{rows}</table>"
