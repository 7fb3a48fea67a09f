"""A QThread that owns one Library and runs queued work on it, one item at a time.

SQLite connections belong to one thread, so the Library is opened inside :meth:`run` and
closed there. Results leave by queued signals; the QThread object itself lives on the GUI
thread, so receivers' slots run there.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from mmdesk.core.library import Library
from mmdesk.gui.compat import emit

log = logging.getLogger(__name__)


@dataclass
class Work:
    """One unit of work for a LibraryThread (a core :class:`~mmdesk.core.jobs.Job` runs inside
    one)."""

    id: int
    fn: Callable[[Library], Any]
    key: str | None = None  # a newer job with the same key replaces a queued one
    nestable: bool = True  # may run inside a long job's checkpoint (short writes)


class LibraryThread(QThread):
    """Runs work in order on its own Library; ``stop()`` drops what is queued and ends."""

    finished_job = Signal(int, object)
    failed_job = Signal(int, object)
    dropped_job = Signal(int)

    def __init__(
        self, name: str, open_library: Callable[[], Library], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self._open = open_library
        self._queue: deque[Work | None] = deque()
        self._cond = threading.Condition()
        self._library: Library | None = None
        self.opened = threading.Event()  # set once the Library is open (or failed to open)

    def submit(self, job: Work) -> None:
        with self._cond:
            if job.key is not None:
                for old in [j for j in self._queue if j is not None and j.key == job.key]:
                    self._queue.remove(old)
                    emit(self.dropped_job, old.id)
            self._queue.append(job)
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            for job in self._queue:
                if job is not None:
                    emit(self.dropped_job, job.id)
            self._queue.clear()
            self._queue.append(None)
            self._cond.notify_all()

    def run(self) -> None:
        # Not niced: a lowered thread preempted while holding the GIL stalls the window
        # (see mmdesk.core.tasks.keep_thread_priorities).
        try:
            self._library = self._open()
        except BaseException as exc:
            log.exception("cannot open the library in %s", self.objectName())
            self.opened.set()
            self._fail_all(exc)
            return
        self.opened.set()
        try:
            while (job := self._take()) is not None:
                self._execute(job)
        finally:
            self._library.close()
            self._library = None

    def _take(self) -> Work | None:
        with self._cond:
            while not self._queue:
                self._cond.wait()
            return self._queue.popleft()

    def _execute(self, job: Work) -> None:
        assert self._library is not None
        try:
            result = job.fn(self._library)
        except BaseException as exc:  # delivered to the GUI as a message
            emit(self.failed_job, job.id, exc)
        else:
            emit(self.finished_job, job.id, result)

    def _fail_all(self, exc: BaseException) -> None:
        """Without a library no job can run: answer every one (and any later) with the error."""
        while (job := self._take()) is not None:
            emit(self.failed_job, job.id, exc)

    # called from inside a running job, on this thread -------------------------------------------
    def run_nested(self) -> None:
        """Run the queued nestable jobs now (between two steps of a long job)."""
        while (job := self._take_nestable()) is not None:
            self._execute(job)

    def wait_nested(self, timeout: float) -> None:
        """Wait up to ``timeout`` s for a nestable job (used while a long job is paused)."""
        with self._cond:
            if not any(j is not None and j.nestable for j in self._queue):
                self._cond.wait(timeout)
        self.run_nested()

    def _take_nestable(self) -> Work | None:
        with self._cond:
            for job in self._queue:
                if job is None:
                    return None
                if job.nestable:
                    self._queue.remove(job)
                    return job
            return None
