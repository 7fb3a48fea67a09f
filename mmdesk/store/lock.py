"""A per-library advisory lock, so two indexers never redo each other's work.

The lock is ``flock`` on a small file beside the database (``msvcrt.locking`` on Windows); the
kernel drops it when the process dies, so a killed indexer never leaves a stale lock. The file
holds the holder's pid for the message and is left in place (deleting it would race).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

from mmdesk.errors import LibraryBusyError, StoreError


def lock_path(db_path: Path | str, purpose: str = "indexing") -> Path:
    """The lock file of ``purpose`` beside the database: ``library.db.indexing.lock``."""
    return Path(f"{db_path}.{purpose}.lock")


@contextmanager
def library_lock(db_path: Path | str, purpose: str = "indexing") -> Iterator[Path]:
    """Hold the library's lock for ``purpose``; raises LibraryBusyError when another holds it."""
    path = lock_path(db_path, purpose)
    handle = _open(path)
    try:
        if not _try_lock(handle):
            raise LibraryBusyError(
                f"another mmdesk is {purpose} this library (pid {_holder_pid(path) or '?'})"
            )
        try:
            _write_pid(handle)
            yield path
        finally:
            _unlock(handle)
    finally:
        handle.close()


def lock_holder(db_path: Path | str, purpose: str = "indexing") -> int | None:
    """The pid holding the lock (0 if unknown), or None when it is free."""
    path = lock_path(db_path, purpose)
    if not path.exists():
        return None
    try:
        with library_lock(db_path, purpose):
            return None
    except LibraryBusyError:
        return _holder_pid(path) or 0


def _open(path: Path) -> IO[str]:
    try:
        return path.open("a+", encoding="ascii")
    except OSError as exc:
        raise StoreError(f"cannot create the lock file {path}: {exc}") from exc


def _write_pid(handle: IO[str]) -> None:
    with suppress(OSError):
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()


def _holder_pid(path: Path) -> int | None:
    try:
        return int(path.read_text(encoding="ascii").split()[0])
    except (OSError, ValueError, IndexError):
        return None


if sys.platform == "win32":
    import msvcrt

    def _try_lock(handle: IO[str]) -> bool:
        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(handle: IO[str]) -> None:
        with suppress(OSError):
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(handle: IO[str]) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
