"""Collecting file-system events into batches: quiet for a while, then one index run.

Events come in bursts (a camera import writes hundreds of files, an editor saves a file three
times), on watchdog's threads. The :class:`Debouncer` folds them into one :class:`Batch` that
is handed over once no event has come for ``quiet_s`` seconds — or after ``max_wait_s`` at the
latest, so a folder that never goes quiet is still indexed. It keeps no thread of its own: the
watcher's clock thread asks it for what is due.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Batch:
    """What changed under the watched folders since the last batch.

    ``changed``: created, modified or moved-in paths (files or folders) to index;
    ``gone``: deleted or moved-away paths whose known files are marked missing;
    ``rescan``: library folders to scan incrementally (the periodic rescan, a folder back
    online, events lost); ``offline``: library folders whose drive or share went away."""

    changed: set[str] = field(default_factory=set)
    gone: set[str] = field(default_factory=set)
    rescan: set[str] = field(default_factory=set)
    offline: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.changed or self.gone or self.rescan or self.offline)

    def merge(self, other: Batch) -> None:
        """Add ``other``'s paths to this batch (a batch that could not run yet)."""
        self.changed |= other.changed
        self.gone |= other.gone
        self.rescan |= other.rescan
        self.offline |= other.offline

    def to_json(self) -> dict[str, list[str]]:
        return {k: sorted(getattr(self, k)) for k in ("changed", "gone", "rescan", "offline")}


class Debouncer:
    """Thread-safe accumulation of events into a :class:`Batch` (see the module docstring)."""

    def __init__(
        self,
        quiet_s: float = 2.0,
        max_wait_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.quiet_s, self.max_wait_s, self.clock = quiet_s, max_wait_s, clock
        self._lock = threading.Lock()
        self._batch = Batch()
        self._first: float | None = None
        self._last = 0.0

    def changed(self, path: str) -> None:
        """A path was created, modified or moved in."""
        with self._lock:
            self._batch.changed.add(path)
            self._batch.gone.discard(path)
            self._touch()

    def gone(self, path: str) -> None:
        """A path was deleted or moved away."""
        with self._lock:
            self._batch.gone.add(path)
            self._batch.changed.discard(path)
            self._touch()

    def add(self, batch: Batch) -> None:
        """Add a whole batch (a rescan, an offline folder); due at the next quiet moment."""
        with self._lock:
            self._batch.merge(batch)
            self._touch()

    def _touch(self) -> None:
        now = self.clock()
        if self._first is None:
            self._first = now
        self._last = now

    def due(self, *, force: bool = False) -> Batch | None:
        """The batch, when it has been quiet long enough (or ``force``); None otherwise."""
        with self._lock:
            if not self._batch:
                return None
            now = self.clock()
            quiet = now - self._last >= self.quiet_s
            waited = now - (self._first if self._first is not None else now)
            if not (force or quiet or waited >= self.max_wait_s):
                return None
            batch, self._batch = self._batch, Batch()
            self._first = None
            return batch

    @property
    def pending(self) -> bool:
        with self._lock:
            return bool(self._batch)
