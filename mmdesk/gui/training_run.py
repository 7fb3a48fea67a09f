"""One training run adapted for the GUI: start, progress, cancel and how it ended.

Both the training dialog and the review view's "Retrain" use it. It runs any core
:class:`~mmdesk.core.jobs.Job` through ``runner.run_job``, wrapped in a :class:`WatchedJob`
that tees the job's progress to this run's own signal, so an index run queued beside it never
moves this run's progress or loss curve. Torch is imported only when a training starts
(:func:`train_job`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from mmdesk.core.jobs import Changes, Job
from mmdesk.core.tasks import Progress, TaskState
from mmdesk.errors import CancelledError
from mmdesk.gui.compat import emit
from mmdesk.gui.dialogs import error_text

if TYPE_CHECKING:
    from mmdesk.core.library import Library
    from mmdesk.gui.tasks import TaskRunner

JobFactory = Callable[[list[str], str], Job]
DONE, CANCELLED, FAILED = "done", "cancelled", "failed"


def train_job(tags: list[str], device: str) -> Job:
    """The real training job; torch loads here, when a person starts a training."""
    from mmdesk.train.job import TrainJob
    from mmdesk.train.training import TrainConfig

    job: Job = TrainJob(tags, config=TrainConfig(device=device))
    return job


def job_metrics(job: object) -> dict[str, Any] | None:
    """``job.result.metrics`` as JSON, or None for a job that keeps none (any job may run)."""
    metrics: Any = getattr(getattr(job, "result", None), "metrics", None)
    if hasattr(metrics, "to_json"):
        return dict(metrics.to_json())
    return dict(metrics) if isinstance(metrics, dict) else None


class WatchedJob:
    """Runs ``job`` unchanged, also handing each of its Progress reports to ``watch``.

    ``watch`` is called on the writer thread, so it must only emit a signal.
    """

    def __init__(self, job: Job, watch: Callable[[Progress], None]) -> None:
        self.job, self.watch = job, watch
        self.name = job.name

    def run(self, library: Library, state: TaskState) -> Changes:
        forward = state.on_progress

        def tee(progress: Progress) -> None:
            if forward is not None:
                forward(progress)
            self.watch(progress)

        state.on_progress = tee
        return self.job.run(library, state)


class TrainingRun(QObject):
    """Starts a training job on the writer and says how it goes, on the GUI thread."""

    progressed = Signal(object)  # Progress of this run only
    ended = Signal(str, object)  # DONE + metrics (or None), CANCELLED + None, FAILED + message
    _watched = Signal(object)  # emitted on the writer thread

    def __init__(
        self, runner: TaskRunner, make_job: JobFactory = train_job, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.runner, self.make_job = runner, make_job
        self.job: Job | None = None
        self.state: TaskState | None = None
        self._watched.connect(self._relay)

    @property
    def running(self) -> bool:
        return self.state is not None

    def start(self, tags: list[str], device: str = "auto") -> bool:
        """Queue a training of ``tags``; False (and :attr:`ended` FAILED) if it cannot start."""
        if self.running:
            return False
        try:
            self.job = self.make_job(tags, device)
        except ImportError as exc:  # torch is an optional extra
            emit(self.ended, FAILED, f"training needs torch ({exc})")
            return False
        watched = WatchedJob(self.job, lambda p: emit(self._watched, p))
        self.state = self.runner.run_job(watched, self._finished, self._failed)
        return True

    def cancel(self) -> None:
        """Stop at the job's next checkpoint; :attr:`ended` says CANCELLED once it has."""
        if self.state is not None:
            self.state.cancel()

    def _relay(self, progress: Progress) -> None:
        if self.state is not None:
            emit(self.progressed, progress)

    def _finished(self, _: Changes) -> None:
        cancelled = self.state is not None and self.state.cancelled
        self.state = None
        if cancelled:
            emit(self.ended, CANCELLED, None)
        else:
            emit(self.ended, DONE, job_metrics(self.job))

    def _failed(self, exc: BaseException) -> None:
        asked = self.state is not None and self.state.cancelled
        self.state = None
        if asked or isinstance(exc, CancelledError):
            emit(self.ended, CANCELLED, None)
        else:
            emit(self.ended, FAILED, error_text(exc))
