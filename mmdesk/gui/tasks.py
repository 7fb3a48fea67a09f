"""The one task runner: every piece of background work the app does goes through here.

Like Anki's taskman, the GUI hands plain functions and core jobs to the runner and gets their
results back on the GUI thread, by signal. Three lanes:

* the **writer**: one thread owning its own :class:`Library` (and so its own SQLite
  connection); every database write — core jobs such as indexing, tagging, folder removal,
  settings — runs here, serialised. While a job runs, the writer runs short queued writes at
  each of the job's checkpoints, so tagging does not wait for a long index to finish (and still
  never overlaps it).
* the **reader**: one thread with a read-only use of its own :class:`Library`, for searches;
  a newer read with the same ``key`` replaces a queued older one, and an older one already
  running is answered to nobody, so typing never piles up work or shows stale results.
* the **pool**: a QThreadPool for compute that needs no database (thumbnails).

What the writer changed reaches the GUI as one signal, :attr:`TaskRunner.changed`, carrying a
:class:`~mmdesk.core.jobs.Changes`: every write that returns one, and every partial one a
running job publishes. Views connect to it and decide themselves whether to refresh (Anki's
``operation_did_execute``). Worker code never touches widgets; callbacks and every public signal
of the runner run on the GUI thread.
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal, Slot

from mmdesk.config import Settings
from mmdesk.core.jobs import Changes, Job
from mmdesk.core.library import Library
from mmdesk.core.tasks import Progress, TaskState, keep_thread_priorities
from mmdesk.gui.compat import emit
from mmdesk.gui.pool import PoolWork, Relay
from mmdesk.gui.worker import LibraryThread, Work
from mmdesk.plugins.registry import Registry

log = logging.getLogger(__name__)
Done = Callable[[Any], None] | None
Failed = Callable[[BaseException], None] | None
OPEN_WAIT_S = 60.0  # how long the reader waits for the writer to open (or migrate) the database


def session_threads(threads: int) -> int:
    """Model threads for the app: 0 (automatic) leaves one core to the window, so it never
    stalls; an explicit choice is kept."""
    return threads or max(1, (os.cpu_count() or 2) - 1)


def pool_threads(cpus: int) -> int:
    """Thumbnail threads: up to 4, leaving a core to the window and the indexer (on two cores
    a second one left the window waiting ~30 ms for a CPU while the first results came)."""
    return max(1, min(4, cpus - 1))


@dataclass
class _Waiting:
    """What to call when submitted work answers."""

    on_done: Done
    on_error: Failed
    key: str | None = None
    writes: bool = False


class _YieldingState(TaskState):
    """A TaskState whose checkpoints let queued short writes through, even while paused."""

    def __init__(
        self,
        worker: LibraryThread,
        on_progress: Callable[[Progress], None],
        on_changes: Callable[[Any], None],
    ) -> None:
        super().__init__(on_progress, on_changes)
        self.worker = worker

    def checkpoint(self) -> None:
        self.worker.run_nested()
        while self.paused and not self.cancelled:
            self.worker.wait_nested(0.1)
        super().checkpoint()


class TaskRunner(QObject):
    """Runs library work in the background and calls back on the GUI thread."""

    progress = Signal(object)  # Progress of the job in flight
    changed = Signal(object)  # Changes a write made, or a running job has made so far
    error = Signal(object)  # an exception no caller handled
    busy_changed = Signal(bool)  # a job started / the last one ended
    _progressed = Signal(object)  # emitted on the writer thread, relayed to the GUI thread
    _published = Signal(object)

    def __init__(
        self, settings: Settings, registry: Registry | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.registry = registry or Registry(settings)
        self.registry.options.spinning = False  # keep a core free for the window
        self.registry.options.decode_processes = True  # ... and decoding out of its process
        # No thread of the app is niced, the core's decode threads included: one preempted
        # while it holds the GIL keeps the window waiting (bench/gui_stall.py on a busy
        # machine: 100-300 ms GIL waits with them niced).
        keep_thread_priorities()
        self.registry.options.intra_threads = session_threads(settings.threads)
        self._ids = itertools.count(1)
        self._waiting: dict[int, _Waiting] = {}
        self._latest: dict[str, int] = {}  # key -> the newest read submitted with it
        self._states: list[TaskState] = []
        self._progressed.connect(self._relay_progress)
        self._published.connect(self._relay_changes)
        self.writer = self._thread("mmdesk-writer", self._open_writer)
        self.reader = self._thread("mmdesk-reader", self._open_reader)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(pool_threads(QThreadPool.globalInstance().maxThreadCount()))
        self._relay = Relay(self)
        self._relay.finished.connect(self._finish)
        self._relay.failed.connect(self._fail)

    def _open_writer(self) -> Library:
        return Library(self.settings, self.registry)

    def _open_reader(self) -> Library:
        """After the writer: it creates or migrates the database, never two threads at once."""
        self.writer.opened.wait(OPEN_WAIT_S)
        return Library(self.settings, self.registry)

    def _thread(self, name: str, open_library: Callable[[], Library]) -> LibraryThread:
        thread = LibraryThread(name, open_library, self)
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
        """Run ``fn(library)`` on the writer, after the writes queued before it. A
        :class:`Changes` it returns is emitted as :attr:`changed` before ``on_done`` runs."""
        return self._submit(self.writer, fn, _Waiting(on_done, on_error, writes=True), nestable)

    def read(
        self,
        fn: Callable[[Library], Any],
        on_done: Done = None,
        on_error: Failed = None,
        *,
        key: str | None = None,
    ) -> int:
        """Run ``fn(library)`` on the reader. Of the reads sharing a ``key``, only the newest
        is answered: a queued older one is dropped, a running one's answer ignored."""
        work_id = self._submit(self.reader, fn, _Waiting(on_done, on_error, key), False, key)
        if key is not None:
            self._latest[key] = work_id
        return work_id

    def compute(
        self,
        fn: Callable[[], Any],
        on_done: Done = None,
        on_error: Failed = None,
        *,
        priority: int = 0,
    ) -> int:
        """Run ``fn()`` in the pool (no database); higher priority starts first."""
        work_id = next(self._ids)
        self._waiting[work_id] = _Waiting(on_done, on_error)
        self.pool.start(PoolWork(work_id, fn, self._relay), priority)
        return work_id

    def run_job(
        self,
        job: Job,
        on_done: Callable[[Changes], None] | None = None,
        on_error: Failed = None,
    ) -> TaskState:
        """Run a core job on the writer; returns the state to pause, resume or cancel it by.
        ``on_done`` gets the job's Changes (a job keeps its own report, e.g. ``job.report``)."""
        state = _YieldingState(
            self.writer, lambda p: emit(self._progressed, p), lambda c: emit(self._published, c)
        )
        self._states.append(state)

        def finished(changes: Any) -> None:
            self._forget(state)
            if on_done is not None:
                on_done(changes)

        def failed(exc: BaseException) -> None:
            self._forget(state)
            (on_error or self._unhandled)(exc)

        waiting = _Waiting(finished, failed, writes=True)
        self._submit(self.writer, lambda library: library.run(job, state), waiting, False)
        if len(self._states) == 1:
            emit(self.busy_changed, True)
        return state

    def _submit(
        self,
        thread: LibraryThread,
        fn: Callable[[Library], Any],
        waiting: _Waiting,
        nestable: bool,
        key: str | None = None,
    ) -> int:
        work_id = next(self._ids)
        self._waiting[work_id] = waiting
        thread.submit(Work(work_id, fn, key, nestable))
        return work_id

    # job control ------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """Whether a job (indexing, a model switch) is queued or running."""
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

    # delivering, on the GUI thread ------------------------------------------------------------
    @Slot(object)
    def _relay_progress(self, progress: object) -> None:
        emit(self.progress, progress)

    @Slot(object)
    def _relay_changes(self, changes: object) -> None:
        emit(self.changed, changes)

    def _answer(self, work_id: int) -> _Waiting | None:
        """The callbacks of ``work_id``, unless a newer read with its key has superseded it."""
        waiting = self._waiting.pop(work_id, None)
        if waiting is not None and waiting.key is not None:
            if self._latest.get(waiting.key) != work_id:
                return None
            del self._latest[waiting.key]
        return waiting

    @Slot(int, object)
    def _finish(self, work_id: int, result: object) -> None:
        waiting = self._answer(work_id)
        if waiting is None:
            return
        if waiting.writes and isinstance(result, Changes) and result:
            emit(self.changed, result)
        if waiting.on_done is not None:
            waiting.on_done(result)

    @Slot(int, object)
    def _fail(self, work_id: int, exc: object) -> None:
        waiting = self._answer(work_id)
        if waiting is None:
            return
        error = exc if isinstance(exc, BaseException) else RuntimeError(str(exc))
        (waiting.on_error or self._unhandled)(error)

    def _unhandled(self, exc: BaseException) -> None:
        emit(self.error, exc)

    @Slot(int)
    def _drop(self, work_id: int) -> None:
        self._waiting.pop(work_id, None)

    def shutdown(self) -> None:
        """Cancel jobs, stop both threads and wait for the pool: nothing outlives the app."""
        self.cancel()
        for thread in (self.writer, self.reader):
            thread.stop()
        self.pool.clear()
        self.pool.waitForDone()
        for thread in (self.writer, self.reader):
            thread.wait()
        self._waiting.clear()
