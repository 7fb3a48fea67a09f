"""Progress, pause and cancel for long work, the same with or without a GUI.

Long work is a plain function taking a :class:`TaskState`; the CLI prints its progress, the GUI
turns it into signals, tests pass a bare TaskState.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from mmdesk.errors import CancelledError


@dataclass(frozen=True)
class Progress:
    """A snapshot of a task's progress."""

    done: int
    total: int
    errors: int = 0
    rate: float = 0.0          # units per second since the start
    eta: float | None = None   # seconds left, when it can be estimated
    message: str = ""

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0


class TaskState:
    """Shared between the worker and whoever watches it. All methods are thread-safe."""

    def __init__(self, on_progress: Callable[[Progress], None] | None = None) -> None:
        self.on_progress = on_progress
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

    def restart_clock(self) -> None:
        self._start = time.monotonic()

    def report(self, done: int, total: int, errors: int = 0, message: str = "") -> Progress:
        elapsed = max(time.monotonic() - self._start, 1e-6)
        rate = done / elapsed
        eta = (total - done) / rate if rate > 0 and total >= done else None
        self.last = Progress(done, total, errors, rate, eta, message)
        if self.on_progress is not None:
            self.on_progress(self.last)
        return self.last
