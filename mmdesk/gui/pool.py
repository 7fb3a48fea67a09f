"""Pool work: compute that needs no database (thumbnails), run in a QThreadPool.

QRunnable is not a QObject, so results travel back to the GUI thread through a small relay.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Signal

from mmdesk.gui.compat import emit


class Relay(QObject):
    """Carries pool results to the GUI thread."""

    finished = Signal(int, object)
    failed = Signal(int, object)


class PoolWork(QRunnable):
    """``fn()`` on a pool thread; its result or exception leaves through ``relay``."""

    def __init__(self, work_id: int, fn: Callable[[], Any], relay: Relay) -> None:
        super().__init__()
        self.work_id, self.fn, self.relay = work_id, fn, relay

    def run(self) -> None:
        try:
            result = self.fn()
        except BaseException as exc:  # delivered to the GUI, never lost in a thread
            emit(self.relay.failed, self.work_id, exc)
        else:
            emit(self.relay.finished, self.work_id, result)
