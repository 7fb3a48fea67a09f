"""Thumbnails cached on disk, made with Pillow. Qt-free, so workers and tests can call it.

A thumbnail is keyed by the source's path, mtime and size: an edited photo gets a new
thumbnail, an unchanged one is never decoded twice. Indexing saves each photo's grid thumbnail
from the picture it decoded anyway (so the grid never decodes a photo a second time, and a
person browsing while the library fills finds them made); the app makes the others (moments
of videos, previews) when first shown. The cache is rebuildable and lives under
``settings.cache_dir / "thumbs"``.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

from PIL import Image

from mmdesk.core.media import decode_image, read_regular
from mmdesk.errors import MediaError

GRID_EDGE = 256
PREVIEW_EDGE = 1280


def cache_key(path: str, mtime_ns: int, size: int, edge: int) -> str:
    """A stable file name for one (source version, edge) pair."""
    raw = os.fsencode(path) + f"\0{mtime_ns}\0{size}\0{edge}".encode()  # any file name
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def file_version(path: str, mtime_ns: int | None, size: int | None) -> tuple[int, int]:
    """(mtime_ns, size) of the file as given, else as it is on disk (what a cached thumbnail
    is keyed by).

    Raises:
        MediaError: the file cannot be read.
    """
    if mtime_ns is not None and size is not None:
        return mtime_ns, size
    try:
        st = os.stat(path)
    except OSError as exc:
        raise MediaError(f"{path}: cannot read ({exc.strerror})") from exc
    return st.st_mtime_ns, st.st_size


def thumb_path(cache_dir: Path, path: str, mtime_ns: int, size: int, edge: int) -> Path:
    """Where the thumbnail lives; two-level fan-out keeps folders small."""
    key = cache_key(path, mtime_ns, size, edge)
    return cache_dir / key[:2] / f"{key}.jpg"


def ensure_thumbnail(
    cache_dir: Path,
    path: str,
    edge: int = GRID_EDGE,
    mtime_ns: int | None = None,
    size: int | None = None,
) -> Path:
    """The cached thumbnail of ``path`` at most ``edge`` pixels on its longer side, made if needed.

    Raises:
        MediaError: the source is missing, unreadable or not an image.
    """
    mtime_ns, size = file_version(path, mtime_ns, size)
    target = thumb_path(cache_dir, path, mtime_ns, size, edge)
    if target.exists():
        return target
    make_thumbnail(Path(path), target, edge)
    return target


def make_thumbnail(source: Path, target: Path, edge: int = GRID_EDGE) -> None:
    """Decode ``source`` under the same bounds as indexing (reduced-scale for JPEG, huge
    pictures shrunk before conversion), turn it upright, and save a JPEG atomically."""
    try:
        data = read_regular(source)
    except OSError as exc:
        raise MediaError(f"{source}: cannot read ({exc.strerror or exc})") from exc
    save_thumbnail(decode_image(data, min_side=edge, name=str(source)).image, target, edge)


def save_thumbnail(image: Image.Image, target: Path, edge: int = GRID_EDGE) -> None:
    """Save an upright RGB picture (left as it is) as the JPEG thumbnail ``target``,
    atomically: a reader never sees half a file."""
    small = image.copy()
    small.thumbnail((edge, edge), Image.Resampling.BICUBIC)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}-{threading.get_ident()}.part")
    small.save(partial, format="JPEG", quality=85)
    os.replace(partial, target)


def thumbs_dir(cache_dir: Path) -> Path:
    """The thumbnail cache under a library's cache folder."""
    return cache_dir / "thumbs"
