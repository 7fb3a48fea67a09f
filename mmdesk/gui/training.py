"""The training dialog: pick tags, train on the writer, watch the loss, read the metrics.

A person sees every tag with its yes/no label counts (too few marked, not offered), picks a
device and starts; a :class:`~mmdesk.gui.training_run.TrainingRun` runs the job, whose progress
fills the bar and the live loss curve, and whose metrics fill the table at the end. Cancel works
at any point: the job stops at its next checkpoint and the dialog says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mmdesk.core.tasks import Progress
from mmdesk.gui.compat import emit
from mmdesk.gui.loss_chart import LossChart, parse_losses
from mmdesk.gui.metrics_view import MetricsView
from mmdesk.gui.training_run import CANCELLED, DONE, JobFactory, TrainingRun, train_job

if TYPE_CHECKING:
    from mmdesk.core.library import Library
    from mmdesk.gui.tasks import TaskRunner

MIN_POSITIVES = 3  # fewer positive labels than this and a tag is not offered for training
DEVICES = [("Automatic (GPU if present)", "auto"), ("CPU", "cpu"), ("GPU (CUDA)", "cuda")]
TagCounts = dict[str, dict[str, int]]


def tag_label_counts(library: Library) -> TagCounts:
    """Positives, negatives and predictions per tag (small reads, like the sidebar's)."""
    return {name: library.label_counts(name) for name, _ in library.tags()}


def _tag_item(name: str, counts: dict[str, int]) -> QListWidgetItem:
    """A checkable row; a tag with too few positives is shown but cannot be picked."""
    pos, neg = counts.get("positives", 0), counts.get("negatives", 0)
    text = f"{name}    {pos} yes · {neg} no"
    item = QListWidgetItem(text)
    item.setData(Qt.ItemDataRole.UserRole, name)
    if pos < MIN_POSITIVES:
        item.setText(f"{text}    — too few (needs {MIN_POSITIVES} yes)")
        item.setFlags(Qt.ItemFlag.ItemIsSelectable)
        item.setToolTip(f"Label at least {MIN_POSITIVES} items “{name}” to train it")
    else:
        item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked)
    return item


class TrainingDialog(QDialog):
    """Pick tags and a device, train, and see progress, the loss curve and the metrics."""

    review_requested = Signal(str)  # a tag to open the review view on
    trained = Signal(object)  # the metrics dict (or None) of a training that finished

    def __init__(
        self,
        runner: TaskRunner,
        counts: TagCounts,
        device: str = "auto",
        make_job: JobFactory = train_job,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Train tags")
        self.run = TrainingRun(runner, make_job, self)
        self.metrics: dict[str, Any] | None = None
        self._build(device)
        self.set_counts(counts)
        self.run.progressed.connect(self._on_progress)
        self.run.ended.connect(self._ended)

    def _build(self, device: str) -> None:
        self.tags = QListWidget(self)
        self.tags.setAccessibleName("Tags to train")
        self.device = QComboBox(self)
        for text, value in DEVICES:
            self.device.addItem(text, value)
        self.device.setCurrentIndex(max(0, self.device.findData(device)))
        self.bar = QProgressBar(self)
        self.status = QLabel("Pick the tags to learn, then start.", self, wordWrap=True)
        self.chart = LossChart(self)
        self.results = MetricsView(self)
        self.buttons = {k: QPushButton(k, self) for k in ("Start", "Cancel", "Review…", "Close")}
        self.buttons["Start"].setDefault(True)
        self._layout()
        self._connect()
        self._set_running(False)

    def _layout(self) -> None:
        left = QVBoxLayout()
        left.addWidget(QLabel("<b>Tags</b> (labels: yes · no)", self))
        left.addWidget(self.tags, 1)
        form = QFormLayout()
        form.addRow("Train on", self.device)
        left.addLayout(form)
        right = QVBoxLayout()
        right.addWidget(self.status)
        right.addWidget(self.bar)
        right.addWidget(self.chart, 1)
        right.addWidget(self.results, 1)
        columns = QHBoxLayout()
        columns.addLayout(left, 2)
        columns.addLayout(right, 3)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in self.buttons.values():
            buttons.addWidget(button)
        box = QVBoxLayout(self)
        box.addLayout(columns, 1)
        box.addLayout(buttons)
        self.resize(900, 620)

    def _connect(self) -> None:
        self.buttons["Start"].clicked.connect(self.start)
        self.buttons["Cancel"].clicked.connect(self.cancel)
        self.buttons["Review…"].clicked.connect(self._review)
        self.buttons["Close"].clicked.connect(self.close)

    def set_counts(self, counts: TagCounts) -> None:
        """Show every tag with its label counts; keeps nothing from an earlier list."""
        self.tags.clear()
        for name in sorted(counts, key=str.casefold):  # a parent made by nesting has none
            if counts[name].get("positives") or counts[name].get("negatives"):
                self.tags.addItem(_tag_item(name, counts[name]))
        if not self.tags.count():
            self.status.setText("No tags yet: tag a few photos first (yes and no).")

    def chosen_tags(self) -> list[str]:
        rows = (self.tags.item(i) for i in range(self.tags.count()))
        return [
            item.data(Qt.ItemDataRole.UserRole)
            for item in rows
            if item.checkState() == Qt.CheckState.Checked
        ]

    def _set_running(self, running: bool) -> None:
        self.buttons["Start"].setEnabled(not running)
        self.buttons["Cancel"].setEnabled(running)
        self.buttons["Review…"].setEnabled(not running and self.metrics is not None)
        self.tags.setEnabled(not running)
        self.device.setEnabled(not running)

    # running ----------------------------------------------------------------------------------
    def start(self) -> None:
        """Train the checked tags on the writer thread."""
        tags = self.chosen_tags()
        if not tags:
            self.status.setText("Pick at least one tag.")
            return
        self.metrics = None
        self.results.clear()
        self.chart.clear()
        if self.run.start(tags, str(self.device.currentData())):
            self.bar.setRange(0, 0)
            self.status.setText(f"Waiting to train {', '.join(tags)}…")
            self._set_running(True)

    def cancel(self) -> None:
        """Stop the training at its next checkpoint; the dialog says when it has stopped."""
        if self.run.running:
            self.run.cancel()
            self.status.setText("Stopping the training…")

    def _on_progress(self, progress: Progress) -> None:
        train, val = parse_losses(progress.message)
        self.chart.total_epochs = progress.total
        self.chart.add_point(progress.done, train, val)
        self.bar.setRange(0, max(progress.total, 1))
        self.bar.setValue(progress.done)
        detail = f" · {progress.message}" if progress.message else ""
        self.status.setText(f"Epoch {progress.done} / {progress.total}{detail}")

    def _ended(self, outcome: str, detail: object) -> None:
        self.bar.setRange(0, 1)
        self.bar.setValue(1 if outcome == DONE else 0)
        self.chart.fit_to_points()
        if outcome == DONE:
            self.metrics = detail if isinstance(detail, dict) else None
            self.results.show_metrics(self.metrics)
            self.status.setText("Training done: the library's predictions are updated.")
            emit(self.trained, self.metrics)
        elif outcome == CANCELLED:
            self.status.setText("Training cancelled: the classifier and predictions are unchanged.")
        else:
            self.status.setText(f"⚠ Training failed: {detail}")
        self._set_running(False)

    def _review(self) -> None:
        tag = self.results.current_tag() or next(iter(self.chosen_tags()), None)
        if tag:
            emit(self.review_requested, tag)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing the dialog stops a training in flight (it keeps running otherwise)."""
        self.cancel()
        super().closeEvent(event)
