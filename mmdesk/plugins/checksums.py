"""sha256 checks of plugin files, cached by (path, size, mtime) so start-up stays fast.

Only regular files inside the plugin folder, up to :data:`MAX_FILE_BYTES`, are read: a manifest
naming ``/dev/zero``, a FIFO or a symlink out of the folder must fail, not hang discovery.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import threading
from pathlib import Path

from mmdesk.errors import ChecksumError, PluginError
from mmdesk.plugins.schema import inside

MAX_FILE_BYTES = 8 << 30  # 8 GiB: larger than any model we ship, small enough to stop a runaway
_LOCK = threading.Lock()


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """The sha256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def verify_files(folder: Path, files: dict[str, str], cache: Path | None = None) -> None:
    """Raise PluginError for a missing or unsafe file and ChecksumError for a changed one."""
    known = _read(cache)
    changed = False
    for name, expected in files.items():
        path, key = _checkable(folder, name)
        actual = known.get(key)
        if actual is None:
            actual = _sha256_regular(path, where=f"{folder.name}: model file {name}")
            known[key] = actual
            changed = True
        if actual != expected:
            raise ChecksumError(
                f"{folder.name}: {name} is corrupt or was changed: sha256 "
                f"{actual[:12]}… does not match the manifest's {expected[:12]}…;"
                " re-export or reinstall the plugin"
            )
    if changed and cache is not None:
        _write(cache, known)


def _checkable(folder: Path, name: str) -> tuple[Path, str]:
    """The resolved path of a [files] entry and its cache key, once it is safe to read."""
    where = f"{folder.name}: model file {name}"
    inside(name, where)
    try:
        path = (folder / name).resolve(strict=True)
        info = os.stat(path)
    except OSError as exc:
        raise PluginError(f"{where} is missing ({exc.strerror or exc})") from exc
    if not path.is_relative_to(folder.resolve()):
        raise PluginError(f"{where} is a link to {path}, outside the plugin folder")
    if not stat.S_ISREG(info.st_mode):
        raise PluginError(f"{where} is not a regular file")
    if info.st_size > MAX_FILE_BYTES:
        raise PluginError(f"{where} is larger than {MAX_FILE_BYTES >> 30} GiB")
    return path, f"{path}|{info.st_size}|{info.st_mtime_ns}"


def _sha256_regular(path: Path, where: str) -> str:
    """Hash an already checked file through a non-blocking handle, re-checked after opening,
    so a file swapped for a FIFO or device in between cannot hang the read."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
            raise PluginError(f"{where} changed while being checked; try again")
        digest = hashlib.sha256()
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _read(cache: Path | None) -> dict[str, str]:
    if cache is None or not cache.exists():
        return {}
    try:
        data = json.loads(cache.read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write(cache: Path, known: dict[str, str]) -> None:
    with _LOCK:
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(known))
            os.replace(tmp, cache)
        except OSError:
            pass
