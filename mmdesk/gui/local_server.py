"""The app answers ``mmdesk search`` and ``mmdesk similar`` while it runs.

Its model and index are warm, so a CLI query it answers skips the model load that dominates a
one-shot process. The socket, its permissions and the protocol are the core's
(:mod:`mmdesk.core.remote`); this adapter only hands each request to the task runner's reader,
so the search runs where the app's own searches run and the GUI thread never waits: the core
server's thread asks the GUI thread (by a queued signal) to submit the read, then waits for the
reader's answer. It stops, removing the socket file, when the window closes.
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from mmdesk.config import Settings
from mmdesk.core import remote
from mmdesk.gui.compat import emit
from mmdesk.gui.tasks import TaskRunner


class _Pending:
    """One request on its way through the reader; the server thread waits on ``done``."""

    def __init__(self, request: dict[str, Any]) -> None:
        self.request = request
        self.done = threading.Event()
        self.reply: dict[str, Any] | None = None
        self.error: BaseException | None = None

    def finish(self, reply: Any) -> None:
        self.reply = reply
        self.done.set()

    def fail(self, exc: BaseException) -> None:
        self.error = exc
        self.done.set()


class LocalServer(QObject):
    """Answers CLI requests through ``runner``'s reader Library, for this user only."""

    _asked = Signal(object)  # a _Pending, emitted on the server thread

    def __init__(self, settings: Settings, runner: TaskRunner, parent: QObject | None = None):
        super().__init__(parent)
        self.runner = runner
        plugins = [str(p) for p in settings.plugin_dirs()]
        self.server = remote.Server(remote.socket_path(settings.data_dir), self._handle, plugins)
        self._pending: set[_Pending] = set()
        self._closing = False
        self._lock = threading.Lock()
        self._asked.connect(self._submit)
        self.listening = self.server.start()

    def _handle(self, request: dict[str, Any]) -> dict[str, Any]:
        """On the server thread: the reader's answer (raises what the search raised)."""
        pending = _Pending(request)
        with self._lock:
            if self._closing:
                raise remote.Unavailable("the app is closing")
            self._pending.add(pending)
        try:
            emit(self._asked, pending)
            if not pending.done.wait(remote.ANSWER_TIMEOUT_S):
                raise remote.Unavailable("the app took too long to answer")
        finally:
            with self._lock:
                self._pending.discard(pending)
        if pending.error is not None:
            raise pending.error
        if pending.reply is None:
            raise remote.Unavailable("the app is closing")
        return pending.reply

    @Slot(object)
    def _submit(self, pending: _Pending) -> None:
        """On the GUI thread: queue the search on the reader (never dropped by newer ones)."""
        if self._closing:
            pending.done.set()
            return
        self.runner.read(
            lambda library: remote.answer(library, pending.request),
            pending.finish,
            pending.fail,
        )

    def stop(self) -> None:
        """Stop answering; a request still waiting is told the app is closing."""
        with self._lock:
            self._closing = True
            waiting = list(self._pending)
        for pending in waiting:
            pending.done.set()
        self.server.close()
