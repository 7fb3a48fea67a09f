"""Views refresh from :class:`~mmdesk.core.jobs.Changes`, never from each other's hand.

A :class:`Feed` ties one view to the runner's ``changed`` signal: the view's own predicate says
whether a Changes concerns it, and the feed coalesces what arrives close together into one
refresh (an index run publishes after every batch; a view repaints at most every ``gap_s``).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from mmdesk.core.jobs import Changes
from mmdesk.gui.tasks import TaskRunner


class Feed(QObject):
    """Calls ``refresh(changes)`` soon after ``wants(changes)`` says a Changes concerns it.

    Args:
        runner: whose ``changed`` signal to follow.
        wants: the view's predicate: does this Changes make it stale?
        refresh: re-reads and repaints the view; gets the Changes merged since the last call.
        delay_ms: how long to gather Changes before refreshing.
        gap_s: the least time between two refreshes (throttles a running job's stream).
    """

    def __init__(
        self,
        runner: TaskRunner,
        wants: Callable[[Changes], bool],
        refresh: Callable[[Changes], None],
        *,
        delay_ms: int = 100,
        gap_s: float = 0.0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent or runner)
        self._wants, self._refresh = wants, refresh
        self.delay_ms, self.gap_s = delay_ms, gap_s
        self._pending = Changes()
        self._last: float | None = None  # when the last refresh ran
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._fire)
        self._runner = runner
        runner.changed.connect(self.offer)

    def stop(self) -> None:
        """Follow no more (the window is closing and its Library with it)."""
        self._timer.stop()
        self._runner.changed.disconnect(self.offer)

    def offer(self, changes: Changes) -> None:
        """Take a Changes from the runner; schedule a refresh if the view wants it."""
        if not self._wants(changes):
            return
        self._pending = self._pending | changes
        if not self._timer.isActive():
            self._timer.start(self._wait_ms())

    def _wait_ms(self) -> int:
        if self._last is None:
            return self.delay_ms
        return max(self.delay_ms, int((self._last + self.gap_s - time.monotonic()) * 1000))

    def _fire(self) -> None:
        changes, self._pending = self._pending, Changes()
        self._last = time.monotonic()
        self._refresh(changes)
