"""Walking library folders: canonical paths, hidden and system folders skipped, loops survived,
mmdesk's own data folder never indexed, and every unreadable entry reported.

mmdesk's own folders (the data folder, its caches, plugins and backups: :func:`own_folders`)
are skipped wherever a library folder holds them; only a library folder added inside one (the
sample library, made in the data folder) is walked, still without the folders it holds.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mmdesk.core.paths import canonical, is_under
from mmdesk.kinds import FileKind, file_kind

if TYPE_CHECKING:
    from mmdesk.config import Settings

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
Problem = Callable[[str, str], None]


def own_folders(settings: Settings) -> list[str]:
    """mmdesk's own folders, canonical: never indexed, even inside a library folder."""
    s = settings
    return [canonical(p) for p in (s.data_dir, s.cache_dir, s.user_plugin_dir, s.backups_dir)]


def skipped(path: str, root: str, exclude: list[str]) -> bool:
    """Whether ``path``, found under library folder ``root``, lies in one of the ``exclude``
    folders; one holding ``root`` itself does not count (a library folder in the data folder)."""
    return any(e and is_under(path, e) and not is_under(root, e) for e in exclude)


@dataclass(frozen=True)
class Candidate:
    """A media file found on disk, with the facts that decide whether to re-index it."""

    path: str
    size: int
    mtime_ns: int
    kind: FileKind


def scan(
    roots: list[str],
    *,
    kinds: frozenset[str] | set[str] | None = None,
    exclude: list[str] | None = None,
    on_problem: Problem | None = None,
) -> Iterator[Candidate]:
    """Yield media files under canonical ``roots`` (files or folders), each once.

    ``exclude`` lists canonical folders never entered (mmdesk's data and cache folders), unless
    a root lies inside one (see :func:`skipped`). A file root is taken as given: a caller that
    passes changed files filters them (the watch job does).
    """
    visited: set[tuple[int, int]] = set()
    skip = [e for e in exclude or [] if e]
    report = on_problem or (lambda path, why: None)
    for root in roots:
        if os.path.isfile(root):
            candidate = _candidate(root, kinds, report)
            if candidate:
                yield candidate
            continue
        yield from _walk(root, kinds, visited, skip, report)


def _walk(
    folder: str,
    kinds: frozenset[str] | set[str] | None,
    visited: set[tuple[int, int]],
    skip: list[str],
    report: Problem,
) -> Iterator[Candidate]:
    stack = [folder]
    while stack:
        current = stack.pop()
        if skipped(current, folder, skip):
            log.info("not indexing mmdesk's own folder %s", current)
            continue
        children = _list(current, visited, report)
        subdirs = []
        for entry in children:
            if entry.name.startswith(".") or entry.name.lower() in SYSTEM_DIRS:
                continue
            try:
                if entry.is_dir(follow_symlinks=True):
                    subdirs.append(entry.path)
                elif entry.is_file(follow_symlinks=True):
                    candidate = _candidate(entry.path, kinds, report)
                    if candidate:
                        yield candidate
            except OSError as exc:
                report(entry.path, f"cannot read: {exc.strerror or exc}")
        stack.extend(reversed(subdirs))


def _list(current: str, visited: set[tuple[int, int]], report: Problem) -> list[os.DirEntry[str]]:
    """A folder's entries sorted by name; [] (reported) when it cannot be listed."""
    try:
        info = os.stat(current)
        key = (info.st_dev, info.st_ino)
        if key in visited:
            return []  # a symlink loop or a folder reached twice
        visited.add(key)
        with os.scandir(current) as entries:
            return sorted(entries, key=lambda e: e.name)
    except OSError as exc:
        log.info("cannot read folder %s: %s", current, exc.strerror)
        report(current, f"cannot read folder: {exc.strerror or exc}")
        return []


def _candidate(
    path: str, kinds: frozenset[str] | set[str] | None, report: Problem
) -> Candidate | None:
    kind = file_kind(path)
    if kind is None or (kinds is not None and kind not in kinds):
        return None
    try:
        info = os.stat(path)
    except OSError as exc:  # listed but not reachable: a folder without execute permission
        report(path, f"cannot read: {exc.strerror or exc}")
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return Candidate(path, info.st_size, info.st_mtime_ns, kind)
