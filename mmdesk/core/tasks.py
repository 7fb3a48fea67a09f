"""Progress, pause and cancel for long work, the same with or without a GUI.

Long work is a plain function taking a :class:`TaskState`; the CLI prints its progress, the GUI
turns it into signals, tests pass a bare TaskState.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mmdesk.errors import CancelledError


@dataclass(frozen=True)
class Progress:
    """A snapshot of a task's progress."""

    done: int
    total: int
    errors: int = 0
    rate: float = 0.0  # units per second since the start
    eta: float | None = None  # seconds left, when it can be estimated
    message: str = ""
    job: str = ""  # the name of the job reporting ("indexing", "captioning", "training")

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0


class TaskState:
    """Shared between the worker and whoever watches it. All methods are thread-safe."""

    def __init__(
        self,
        on_progress: Callable[[Progress], None] | None = None,
        on_changes: Callable[[Any], None] | None = None,
    ) -> None:
        self.on_progress = on_progress
        self.on_changes = on_changes
        self.job = ""  # set by whoever starts a job on this state (jobs.run_job, enrichers)
        self._cancel = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self._start = time.monotonic()
        self.last: Progress | None = None

    def cancel(self) -> None:
        self._cancel.set()
        self._running.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def checkpoint(self) -> None:
        """Block while paused; raise CancelledError once cancelled."""
        self._running.wait()
        if self._cancel.is_set():
            raise CancelledError("cancelled")

    def publish(self, changes: Any) -> None:
        """Tell watchers what the running job has changed so far (a ``jobs.Changes``)."""
        if self.on_changes is not None and changes:
            self.on_changes(changes)

    def restart_clock(self) -> None:
        self._start = time.monotonic()

    def report(self, done: int, total: int, errors: int = 0, message: str = "") -> Progress:
        elapsed = max(time.monotonic() - self._start, 1e-6)
        rate = done / elapsed
        eta = (total - done) / rate if rate > 0 and total >= done else None
        self.last = Progress(done, total, errors, rate, eta, message, self.job)
        if self.on_progress is not None:
            self.on_progress(self.last)
        return self.last


_keep_priorities = False  # set by keep_thread_priorities()


def keep_thread_priorities() -> None:
    """Make :func:`lower_thread_priority` do nothing in this process from now on.

    For a process one of whose threads must answer at once (the desktop app's window): a
    lowered thread preempted while it holds the GIL keeps that thread waiting until the
    scheduler runs it again, 100-300 ms on a busy machine (SCHED_IDLE decode threads worst;
    measured with bench/gui_stall.py), far longer than any CPU it would have taken.
    """
    global _keep_priorities
    _keep_priorities = True


def lower_thread_priority(increment: int = 8, *, idle: bool = False) -> None:
    """Make background work yield the CPU (Linux only; elsewhere, or after
    :func:`keep_thread_priorities`, a no-op).

    ``idle`` asks for SCHED_IDLE (run only when a core would otherwise idle), falling back to
    ``increment`` more niceness. Threads started afterwards by this one inherit it.
    """
    if _keep_priorities or not sys.platform.startswith("linux"):
        return
    tid = threading.get_native_id()
    if idle:
        try:
            os.sched_setscheduler(tid, os.SCHED_IDLE, os.sched_param(0))
            return
        except OSError:
            pass
    try:
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + increment)
    except OSError:
        pass
