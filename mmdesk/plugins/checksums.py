"""sha256 checks of plugin files, cached by (path, size, mtime) so start-up stays fast."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

from mmdesk.errors import ChecksumError, PluginError

_LOCK = threading.Lock()


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def verify_files(folder: Path, files: dict[str, str], cache: Path | None = None) -> None:
    """Raise PluginError for a missing file and ChecksumError for a changed one."""
    known = _read(cache)
    changed = False
    for name, expected in files.items():
        path = folder / name
        try:
            stat = path.stat()
        except OSError as exc:
            raise PluginError(
                f"{folder.name}: model file {name} is missing ({exc.strerror})") from exc
        key = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
        actual = known.get(key)
        if actual is None:
            actual = sha256_file(path)
            known[key] = actual
            changed = True
        if actual != expected:
            raise ChecksumError(f"{folder.name}: {name} is corrupt or was changed: sha256 "
                                f"{actual[:12]}… does not match the manifest's {expected[:12]}…;"
                                " re-export or reinstall the plugin")
    if changed and cache is not None:
        _write(cache, known)


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
