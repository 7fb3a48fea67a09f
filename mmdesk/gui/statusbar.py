"""The status bar's parts: the job progress (done/total, rate, ETA, pause and cancel) and a
summary of the library that refreshes when indexing or removal changes what it holds."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from mmdesk.core.jobs import Changes
from mmdesk.core.tasks import Progress


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return "estimating…"
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min left"
    if seconds >= 60:
        return f"{seconds // 60} min {seconds % 60} s left"
    return f"{seconds} s left"


def describe(progress: Progress, paused: bool = False) -> str:
    """'120 / 1,000 · 14.2/s · 1 min 2 s left' — or 'paused'."""
    text = f"{progress.done:,} / {progress.total:,}"
    if paused:
        return text + " · paused"
    if progress.errors:
        text += f" · {progress.errors} unreadable"
    if progress.done and progress.done < progress.total:
        text += f" · {progress.rate:.1f}/s · {format_eta(progress.eta)}"
    return text


def _title(progress: Progress) -> str:
    """What is running, as the status bar names it ("Indexing", "Captioning", "Training")."""
    return (progress.job or "indexing").capitalize()


class IndexProgress(QWidget):
    """Hidden unless indexing; the buttons drive the runner's pause/resume/cancel."""

    pause_clicked = Signal()
    cancel_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar(self)
        self.bar.setMaximumWidth(220)
        self.bar.setTextVisible(False)
        self.label = QLabel("", self)
        self.pause = QToolButton(self)
        self.pause.setText("Pause")
        self.pause.setToolTip("Pause or resume indexing")
        self.cancel = QToolButton(self)
        self.cancel.setText("Cancel")
        self.cancel.setToolTip("Stop indexing; what is done stays done")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for widget in (self.label, self.bar, self.pause, self.cancel):
            row.addWidget(widget)
        self.pause.clicked.connect(self.pause_clicked)
        self.cancel.clicked.connect(self.cancel_clicked)
        self._last: Progress | None = None
        self._paused = False
        self.setVisible(False)

    def set_busy(self, busy: bool) -> None:
        self.setVisible(busy)
        if busy:
            self.bar.setRange(0, 0)  # scanning: total not known yet
            self.label.setText("Scanning…")
        else:
            self._last = None
            self.set_paused(False)

    def set_paused(self, paused: bool) -> None:
        self._paused = paused
        self.pause.setText("Resume" if paused else "Pause")
        if self._last is not None:
            self.label.setText(f"{_title(self._last)} " + describe(self._last, paused))

    def show_progress(self, progress: Progress) -> None:
        self._last = progress
        self.bar.setRange(0, max(progress.total, 1))
        self.bar.setValue(progress.done)
        self.label.setText(f"{_title(progress)} " + describe(progress, self._paused))


class LibrarySummary(QLabel):
    """'1,234 items in 3 folders', kept current from Changes."""

    @staticmethod
    def wants_refresh(changes: Changes) -> bool:
        return bool(changes.files or changes.items or changes.removed or changes.folders)

    def show_counts(self, items: int, folders: int) -> None:
        self.setText(
            f"{items:,} item{'s' * (items != 1)} in {folders} folder{'s' * (folders != 1)}"
        )
