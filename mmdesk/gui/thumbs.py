"""Thumbnails for views: asked for lazily, made in the pool, kept in a small in-memory LRU.

Views ask only for what they paint, so a model of 20,000 results makes thumbnails for the few
dozen on screen. Newer requests get a higher pool priority: what is on screen now comes before
what was scrolled past.
"""

from __future__ import annotations

import itertools
import logging
from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage, QPixmap

from mmdesk.core.thumbnails import GRID_EDGE, ensure_thumbnail
from mmdesk.errors import MediaError
from mmdesk.gui.compat import emit
from mmdesk.gui.tasks import TaskRunner

log = logging.getLogger(__name__)


def load_thumbnail(
    cache_dir: Path, path: str, edge: int, mtime_ns: int | None, size: int | None
) -> QImage:
    """Worker side: make (or find) the cached JPEG and read it into a QImage (thread-safe)."""
    file = ensure_thumbnail(cache_dir, path, edge, mtime_ns, size)
    image = QImage(str(file))
    if image.isNull():
        raise MediaError(f"{path}: the thumbnail could not be read")
    return image


class Thumbnails(QObject):
    """Pixmaps by (path, mtime); ``ready`` says when one asked for has arrived."""

    ready = Signal(str)

    def __init__(
        self,
        runner: TaskRunner,
        cache_dir: Path,
        edge: int = GRID_EDGE,
        capacity: int = 500,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.cache_dir = cache_dir
        self.edge = edge
        self.capacity = capacity
        self.requests = 0  # how many were made or looked up on disk
        self._pixmaps: OrderedDict[str, QPixmap] = OrderedDict()
        self._pending: set[str] = set()
        self._failed: set[str] = set()
        self._priority = itertools.count()

    @staticmethod
    def key(path: str, mtime_ns: int | None) -> str:
        return f"{path}\0{mtime_ns}"

    def get(
        self, path: str, mtime_ns: int | None = None, size: int | None = None
    ) -> QPixmap | None:
        """The pixmap if ready; otherwise ask for it (once) and return None."""
        key = self.key(path, mtime_ns)
        pixmap = self._pixmaps.get(key)
        if pixmap is not None:
            self._pixmaps.move_to_end(key)
            return pixmap
        if key not in self._pending and key not in self._failed:
            self._request(key, path, mtime_ns, size)
        return None

    def failed(self, path: str, mtime_ns: int | None = None) -> bool:
        return self.key(path, mtime_ns) in self._failed

    def _request(self, key: str, path: str, mtime_ns: int | None, size: int | None) -> None:
        self.requests += 1
        self._pending.add(key)
        cache, edge = self.cache_dir, self.edge
        self.runner.compute(
            lambda: load_thumbnail(cache, path, edge, mtime_ns, size),
            lambda image: self._arrived(key, path, image),
            lambda exc: self._broken(key, path, exc),
            priority=next(self._priority),
        )

    def _arrived(self, key: str, path: str, image: QImage) -> None:
        self._pending.discard(key)
        self._pixmaps[key] = QPixmap.fromImage(image)
        while len(self._pixmaps) > self.capacity:
            self._pixmaps.popitem(last=False)
        emit(self.ready, path)

    def _broken(self, key: str, path: str, exc: BaseException) -> None:
        self._pending.discard(key)
        self._failed.add(key)
        log.info("no thumbnail for %s: %s", path, exc)
        emit(self.ready, path)

    def clear(self) -> None:
        self._pixmaps.clear()
        self._failed.clear()
