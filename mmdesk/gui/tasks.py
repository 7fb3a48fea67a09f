"""The one task runner: every piece of background work the app does goes through here.

Like Anki's taskman, the GUI hands plain functions to the runner and gets their results back
on the GUI thread, by signal. Three lanes:

* the **writer**: one thread owning its own :class:`Library` (and so its own SQLite
  connection); every database write — indexing, tagging, folder removal, settings — runs here,
  serialised. While indexing, the writer runs short queued writes at each checkpoint of the
  indexer, so tagging does not wait for a long index to finish (and still never overlaps it).
* the **reader**: one thread with a read-only use of its own :class:`Library`, for searches;
  a newer query replaces a queued older one (``key``), so typing never piles up work.
* the **pool**: a QThreadPool for compute that needs no database (thumbnails).

Worker code never touches widgets; callbacks run on the GUI thread.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from mmdesk.config import Settings
from mmdesk.core.library import Library
from mmdesk.core.tasks import Progress, TaskState, lower_thread_priority
from mmdesk.gui.compat import emit
from mmdesk.gui.worker import Job, LibraryThread
from mmdesk.plugins.registry import Registry

log = logging.getLogger(__name__)
_niced = threading.local()
Done = Callable[[Any], None] | None
Failed = Callable[[BaseException], None] | None


class _Relay(QObject):
    """Carries pool results to the GUI thread (QRunnable is not a QObject)."""

    finished = Signal(int, object)
    failed = Signal(int, object)


class _PoolJob(QRunnable):
    def __init__(self, job_id: int, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.job_id, self.fn, self.relay = job_id, fn, relay

    def run(self) -> None:
        if not getattr(_niced, "done", False):
            lower_thread_priority()
            _niced.done = True
        try:
            result = self.fn()
        except BaseException as exc:  # delivered to the GUI, never lost in a thread
            emit(self.relay.failed, self.job_id, exc)
        else:
            emit(self.relay.finished, self.job_id, result)


class _YieldingState(TaskState):
    """A TaskState whose checkpoints let queued short writes through, even while paused."""

    def __init__(self, on_progress: Callable[[Progress], None]) -> None:
        super().__init__(on_progress)
        self.worker: LibraryThread | None = None

    def checkpoint(self) -> None:
        if self.worker is not None:
            self.worker.run_nested()
            while self.paused and not self.cancelled:
                self.worker.wait_nested(0.1)
        super().checkpoint()


class TaskRunner(QObject):
    """Runs library functions in the background and calls back on the GUI thread."""

    progress = Signal(object)  # Progress of the indexing in flight
    error = Signal(object)  # an exception no caller handled
    busy_changed = Signal(bool)  # indexing started / ended

    def __init__(
        self, settings: Settings, registry: Registry | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.registry = registry or Registry(settings)
        self.registry.options.spinning = False  # keep a core free for the window
        self._ids = itertools.count(1)
        self._callbacks: dict[int, tuple[Done, Failed]] = {}
        self._states: list[TaskState] = []
        self.writer = self._thread("mmdesk-writer")
        self.reader = self._thread("mmdesk-reader")
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max(2, min(4, QThreadPool.globalInstance().maxThreadCount())))
        self._relay = _Relay(self)
        self._relay.finished.connect(self._finish)
        self._relay.failed.connect(self._fail)

    def _thread(self, name: str) -> LibraryThread:
        thread = LibraryThread(name, lambda: Library(self.settings, self.registry), self)
        thread.finished_job.connect(self._finish)
        thread.failed_job.connect(self._fail)
        thread.dropped_job.connect(self._drop)
        thread.start()
        return thread

    # submitting ---------------------------------------------------------------------------
    def write(
        self,
        fn: Callable[[Library], Any],
        on_done: Done = None,
        on_error: Failed = None,
        *,
        nestable: bool = True,
    ) -> int:
        """Run ``fn(library)`` on the writer thread, after the writes queued before it."""
        return self._submit(self.writer, fn, on_done, on_error, None, nestable)

    def read(
        self,
        fn: Callable[[Library], Any],
        on_done: Done = None,
        on_error: Failed = None,
        *,
        key: str | None = None,
    ) -> int:
        """Run ``fn(library)`` on the reader thread; a queued job with the same key is dropped."""
        return self._submit(self.reader, fn, on_done, on_error, key, False)

    def compute(
        self,
        fn: Callable[[], Any],
        on_done: Done = None,
        on_error: Failed = None,
        *,
        priority: int = 0,
    ) -> int:
        """Run ``fn()`` in the pool (no database); higher priority starts first."""
        job_id = next(self._ids)
        self._callbacks[job_id] = (on_done, on_error)
        self.pool.start(_PoolJob(job_id, fn, self._relay), priority)
        return job_id

    def index(
        self, roots: Sequence[Path], on_done: Done = None, on_error: Failed = None
    ) -> TaskState:
        """Index ``roots`` on the writer; returns the state to pause, resume or cancel with."""
        state = _YieldingState(lambda progress: emit(self.progress, progress))
        state.worker = self.writer
        self._states.append(state)

        def run(library: Library) -> Any:
            return library.index(list(roots), state)

        def finished(result: Any, callback: Done = on_done) -> None:
            self._forget(state)
            if callback:
                callback(result)

        def failed(exc: BaseException) -> None:
            self._forget(state)
            (on_error or (lambda e: emit(self.error, e)))(exc)

        self._submit(self.writer, run, finished, failed, None, False)
        emit(self.busy_changed, True)
        return state

    def _submit(
        self,
        thread: LibraryThread,
        fn: Callable[[Library], Any],
        on_done: Done,
        on_error: Failed,
        key: str | None,
        nestable: bool,
    ) -> int:
        job_id = next(self._ids)
        self._callbacks[job_id] = (on_done, on_error)
        thread.submit(Job(job_id, fn, key, nestable))
        return job_id

    # indexing control -----------------------------------------------------------------------
    @property
    def indexing(self) -> bool:
        return bool(self._states)

    @property
    def paused(self) -> bool:
        return any(s.paused for s in self._states)

    def pause(self) -> None:
        for state in self._states:
            state.pause()

    def resume(self) -> None:
        for state in self._states:
            state.resume()

    def cancel(self) -> None:
        for state in self._states:
            state.cancel()

    def _forget(self, state: TaskState) -> None:
        if state in self._states:
            self._states.remove(state)
        if not self._states:
            emit(self.busy_changed, False)

    # delivering -----------------------------------------------------------------------------
    @Slot(int, object)
    def _finish(self, job_id: int, result: object) -> None:
        on_done, _ = self._callbacks.pop(job_id, (None, None))
        if on_done is not None:
            on_done(result)

    @Slot(int, object)
    def _fail(self, job_id: int, exc: object) -> None:
        _, on_error = self._callbacks.pop(job_id, (None, None))
        if on_error is not None:
            on_error(exc)  # type: ignore[arg-type]
        else:
            emit(self.error, exc)

    @Slot(int)
    def _drop(self, job_id: int) -> None:
        self._callbacks.pop(job_id, None)

    def shutdown(self) -> None:
        """Cancel indexing, stop both threads and wait for the pool: nothing outlives the app."""
        self.cancel()
        for thread in (self.writer, self.reader):
            thread.stop()
        self.pool.clear()
        self.pool.waitForDone()
        for thread in (self.writer, self.reader):
            thread.wait()
        self._callbacks.clear()
