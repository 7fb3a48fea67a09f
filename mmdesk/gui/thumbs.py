"""Thumbnails for views: asked for lazily, made in the pool, kept in a small in-memory LRU.

Views ask only for what they paint, so a model of 20,000 results makes thumbnails for the few
dozen on screen. Newer requests get a higher pool priority: what is on screen now comes before
what was scrolled past.

A thumbnail is one *moment* of a file, keyed by (path, mtime, item kind, start): a photo (the
fast path through :func:`ensure_thumbnail`), the frame of a video at a moment's start, or a
sound's waveform, so two moments of one video are two thumbnails. Moment pictures come from the
core's ``item_picture`` in the pool and are cached on disk beside the photos' thumbnails, since
seeking into a video costs far more than reading a small JPEG.

A person's rotation override (``turns``, clockwise quarter turns, see
:mod:`mmdesk.core.orientation`) is part of the key and applied in the pool after the cached
picture is read: the disk cache and the original stay as they are, and turning a photo back
finds its old thumbnail at once.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage, QPixmap, QTransform

from mmdesk.core.thumbnails import GRID_EDGE, ensure_thumbnail, file_version, thumb_path
from mmdesk.errors import MediaError
from mmdesk.gui.compat import emit
from mmdesk.gui.tasks import TaskRunner

if TYPE_CHECKING:
    from PIL.Image import Image

log = logging.getLogger(__name__)
PHOTO_KINDS = frozenset({"image"})
# (path, item kind, start seconds, longest side) -> the picture of that moment
Picture = Callable[[str, str, float | None, int], "Image"]


def item_picture(path: str, kind: str, start: float | None, max_side: int) -> Image:
    """The core's picture of a moment (video frame, waveform); imported on first use, since
    it brings the video decoder with it."""
    from mmdesk.core.media.pictures import item_picture as picture

    return picture(path, kind, start, max_side)


def load_thumbnail(
    cache_dir: Path, path: str, edge: int, mtime_ns: int | None, size: int | None
) -> QImage:
    """Worker side: make (or find) the cached JPEG and read it into a QImage (thread-safe)."""
    file = ensure_thumbnail(cache_dir, path, edge, mtime_ns, size)
    return _read(file, path)


def load_moment(
    cache_dir: Path,
    path: str,
    kind: str,
    start: float | None,
    edge: int,
    version: tuple[int | None, int | None],
    picture: Picture = item_picture,
) -> QImage:
    """Worker side: the cached picture of one moment of a video or sound, made if needed.

    Raises:
        MediaError: the file is missing or cannot be decoded at that moment.
    """
    mtime_ns, size = file_version(path, *version)
    target = thumb_path(cache_dir, f"{path}\0{kind}\0{start}", mtime_ns, size, edge)
    if not target.exists():
        image = picture(path, kind, start, edge).convert("RGB")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}-{threading.get_ident()}.part")
        image.save(partial, format="JPEG", quality=85)
        os.replace(partial, target)
    return _read(target, path)


def _read(file: Path, path: str) -> QImage:
    image = QImage(str(file))
    if image.isNull():
        raise MediaError(f"{path}: the thumbnail could not be read")
    return image


def turned(image: QImage, turns: int) -> QImage:
    """``image`` rotated by ``turns`` clockwise quarter turns (itself when 0)."""
    if turns % 4 == 0:
        return image
    return image.transformed(QTransform().rotate(90 * (turns % 4)))


class Thumbnails(QObject):
    """Pixmaps by (path, mtime, kind, start); ``ready`` (the path) says when one asked for has
    arrived, so a view refreshes every moment it shows of that file."""

    ready = Signal(str)

    def __init__(
        self,
        runner: TaskRunner,
        cache_dir: Path,
        edge: int = GRID_EDGE,
        capacity: int = 500,
        parent: QObject | None = None,
        picture: Picture = item_picture,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.cache_dir = cache_dir
        self.edge = edge
        self.capacity = capacity
        self.picture = picture
        self.requests = 0  # how many were made or looked up on disk
        self._pixmaps: OrderedDict[str, QPixmap] = OrderedDict()
        self._pending: set[str] = set()
        self._failed: set[str] = set()
        self._priority = itertools.count()

    @staticmethod
    def key(
        path: str,
        mtime_ns: int | None,
        kind: str = "image",
        start: float | None = None,
        turns: int = 0,
    ) -> str:
        turn = f"\0r{turns % 4}" if turns % 4 else ""
        if kind in PHOTO_KINDS:
            return f"{path}\0{mtime_ns}{turn}"
        return f"{path}\0{mtime_ns}\0{kind}\0{start}{turn}"

    def get(
        self,
        path: str,
        mtime_ns: int | None = None,
        size: int | None = None,
        kind: str = "image",
        start: float | None = None,
        turns: int = 0,
    ) -> QPixmap | None:
        """The pixmap if ready; otherwise ask for it (once) and return None."""
        key = self.key(path, mtime_ns, kind, start, turns)
        pixmap = self._pixmaps.get(key)
        if pixmap is not None:
            self._pixmaps.move_to_end(key)
            return pixmap
        if key not in self._pending and key not in self._failed:
            self._request(key, path, (mtime_ns, size), kind, start, turns)
        return None

    def failed(
        self,
        path: str,
        mtime_ns: int | None = None,
        kind: str = "image",
        start: float | None = None,
        turns: int = 0,
    ) -> bool:
        return self.key(path, mtime_ns, kind, start, turns) in self._failed

    def _request(
        self,
        key: str,
        path: str,
        version: tuple[int | None, int | None],
        kind: str,
        start: float | None,
        turns: int = 0,
    ) -> None:
        self.requests += 1
        self._pending.add(key)
        cache, edge, picture = self.cache_dir, self.edge, self.picture
        if kind in PHOTO_KINDS:
            work = lambda: turned(load_thumbnail(cache, path, edge, *version), turns)  # noqa: E731
        else:
            work = lambda: turned(  # noqa: E731
                load_moment(cache, path, kind, start, edge, version, picture), turns
            )
        self.runner.compute(
            work,
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
