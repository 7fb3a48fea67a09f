"""Walking library folders: skips hidden and system folders, survives loops and bad folders."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from mmdesk.core.media import kind_of

log = logging.getLogger(__name__)

SYSTEM_DIRS = {
    "$recycle.bin",
    "system volume information",
    "@eadir",
    "lost+found",
    "__macosx",
    "node_modules",
    "__pycache__",
    ".thumbnails",
}


@dataclass(frozen=True)
class Candidate:
    """A media file found on disk, with the facts that decide whether to re-index it."""

    path: str
    size: int
    mtime_ns: int
    kind: str


def scan(
    roots: list[Path],
    *,
    kinds: set[str] | None = None,
    on_problem: Callable[[str, str], None] | None = None,
) -> Iterator[Candidate]:
    """Yield media files under ``roots`` (files or folders), each once."""
    visited: set[tuple[int, int]] = set()
    for root in roots:
        root = Path(root).expanduser().absolute()
        if root.is_file():
            candidate = _candidate(str(root), kinds)
            if candidate:
                yield candidate
            continue
        yield from _walk(str(root), kinds, visited, on_problem)


def _walk(
    folder: str,
    kinds: set[str] | None,
    visited: set[tuple[int, int]],
    on_problem: Callable[[str, str], None] | None,
) -> Iterator[Candidate]:
    stack = [folder]
    while stack:
        current = stack.pop()
        try:
            stat = os.stat(current)
            key = (stat.st_dev, stat.st_ino)
            if key in visited:
                continue  # a symlink loop or a folder reached twice
            visited.add(key)
            with os.scandir(current) as entries:
                children = sorted(entries, key=lambda e: e.name)
        except OSError as exc:
            log.warning("cannot read folder %s: %s", current, exc.strerror)
            if on_problem:
                on_problem(current, f"cannot read folder: {exc.strerror}")
            continue
        subdirs = []
        for entry in children:
            if entry.name.startswith(".") or entry.name.lower() in SYSTEM_DIRS:
                continue
            try:
                if entry.is_dir(follow_symlinks=True):
                    subdirs.append(entry.path)
                elif entry.is_file(follow_symlinks=True):
                    candidate = _candidate(entry.path, kinds)
                    if candidate:
                        yield candidate
            except OSError:
                continue
        stack.extend(reversed(subdirs))


def _candidate(path: str, kinds: set[str] | None) -> Candidate | None:
    kind = kind_of(path)
    if kind is None or (kinds is not None and kind not in kinds):
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return Candidate(path, stat.st_size, stat.st_mtime_ns, kind)
