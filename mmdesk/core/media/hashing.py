"""Content hashes, streamed, and opening only regular files.

A file's hash is computed by streaming it before anything decodes it, so a moved or renamed
file is recognised without decoding. Only regular files are read: a FIFO, a device such as
``/dev/zero`` or a socket named ``.jpg`` would hang a read or fill memory.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from mmdesk.errors import MediaError

CHUNK = 1 << 20
MAX_FILE_BYTES = 64 << 30  # 64 GiB: larger "media" is refused rather than read


def content_hash(data: bytes) -> str:
    """A 128-bit blake2b digest of bytes in memory."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _open_regular(path: Path) -> tuple[int, os.stat_result]:
    """Open for reading without blocking (a FIFO would block in open), then insist on a
    regular file. Returns (fd, stat)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise MediaError(f"{path}: not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise MediaError(f"{path}: {info.st_size} bytes is over the {MAX_FILE_BYTES} limit")
    except BaseException:
        os.close(fd)
        raise
    return fd, info


def hash_file(path: Path | str) -> tuple[str, os.stat_result]:
    """The blake2b-128 of a regular file, read in chunks, and its stat at reading time."""
    fd, info = _open_regular(Path(path))
    digest = hashlib.blake2b(digest_size=16)
    with os.fdopen(fd, "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest(), info


def read_regular(path: Path, limit: int = 2 << 30) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes.

    Raises OSError when the environment stops the read (permission, I/O, vanished) and
    MediaError when the file itself is unfit (not a regular file, too big)."""
    fd, info = _open_regular(path)
    with os.fdopen(fd, "rb") as handle:
        if info.st_size > limit:
            raise MediaError(f"{path}: {info.st_size} bytes is too big to decode here")
        return handle.read(limit + 1)[:limit]
