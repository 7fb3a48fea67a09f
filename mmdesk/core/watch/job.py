"""Applying a batch of folder changes: one incremental index run, then what vanished.

A :class:`WatchJob` is a plain job (``run(library, state) -> Changes``), so the CLI and the
app run it like any rescan. New, changed and moved-in files are indexed by
:class:`~mmdesk.core.indexing.IndexJob` on those paths only — never a full rescan; a moved
file is recognised there by its content hash (its row, vectors and labels move with it),
because its old path no longer exists. Only then are the deleted paths' files marked
missing, so a rename is never mistaken for a deletion. A folder that went offline is recorded
as such and its files are left alone (still searchable) until it returns.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mmdesk.core.indexing import IndexJob
from mmdesk.core.indexing.scan import own_folders, scan, skipped
from mmdesk.core.jobs import Changes
from mmdesk.core.paths import canonical, is_under
from mmdesk.core.tasks import TaskState
from mmdesk.core.watch.batch import Batch
from mmdesk.kinds import INDEXED_FILE_KINDS, file_kind
from mmdesk.store.lock import library_lock

if TYPE_CHECKING:
    from mmdesk.core.library import Library


@dataclass
class WatchReport:
    """What one batch did."""

    indexed: int = 0
    moved: int = 0
    skipped: int = 0
    errors: int = 0
    missing: int = 0
    files: int = 0  # files the batch named (after expanding new folders)
    rescanned: list[str] = field(default_factory=list)
    offline: list[str] = field(default_factory=list)
    cancelled: bool = False
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "indexed": self.indexed,
            "moved": self.moved,
            "skipped": self.skipped,
            "errors": self.errors,
            "missing": self.missing,
            "files": self.files,
            "rescanned": self.rescanned,
            "offline": self.offline,
            "cancelled": self.cancelled,
            "seconds": round(self.seconds, 2),
        }


class WatchJob:
    """Bring the library up to date with one :class:`Batch` of folder changes."""

    name = "updating"

    def __init__(self, batch: Batch, *, exclude: list[str] | None = None) -> None:
        self.batch = batch
        self.exclude = exclude or []
        self.report = WatchReport()

    def run(self, library: Library, state: TaskState) -> Changes:
        started = time.monotonic()
        changes = Changes()
        away = library.store.offline_folders()
        changes |= self._record_offline(library, away)
        roots = [str(r) for r in library.library_roots()]
        rescan = sorted(r for r in self.batch.rescan if r in roots and r not in away.values())
        own = list(dict.fromkeys([*self.exclude, *own_folders(library.settings)]))
        files = [f for f in self._files(roots, list(away.values()), own) if not _under(f, rescan)]
        self.report.files, self.report.rescanned = len(files), rescan
        if rescan or files:
            index = IndexJob([*rescan, *files])
            changes |= index.run(library, state)
            self._count(index)
        if not self.report.cancelled:
            changes |= self._mark_gone(library, list(away.values()))
        self.report.seconds = time.monotonic() - started
        return changes

    def _record_offline(self, library: Library, away: dict[int, str]) -> Changes:
        """Folders away now read ``offline`` (the watcher's say-so is checked again here)."""
        self.report.offline = sorted(away.values())
        states = library.store.folder_states()
        stale = [fid for fid in away if states.get(fid) != "offline"]
        for fid in stale:
            library.store.set_folder_state(fid, "offline")
        return Changes(folders=True) if stale or self.batch.offline else Changes()

    def _files(self, roots: list[str], away: list[str], own: list[str]) -> list[str]:
        """The media files the batch names: changed files, and those inside new folders;
        none in mmdesk's own folders (``own``: the data folder, its caches, backups)."""
        out: dict[str, None] = {}
        for path in sorted(self.batch.changed):
            holders = [r for r in roots if is_under(path, r)]
            if not holders or _under(path, away):
                continue
            if skipped(path, max(holders, key=len), own):
                continue
            if os.path.isdir(path):
                for found in scan([canonical(path)], kinds=INDEXED_FILE_KINDS, exclude=own):
                    out[found.path] = None
            elif os.path.isfile(path) and file_kind(path) in INDEXED_FILE_KINDS:
                out[canonical(path)] = None
        return list(out)

    def _count(self, index: IndexJob) -> None:
        r = index.report
        self.report.indexed += r.indexed
        self.report.moved += r.moved
        self.report.skipped += r.skipped
        self.report.errors += r.errors
        self.report.missing += r.missing
        self.report.cancelled = r.cancelled

    def _mark_gone(self, library: Library, away: list[str]) -> Changes:
        """Known files under deleted paths that are really gone (and not offline) go missing."""
        store = library.store
        gone: list[str] = []
        for path in sorted(self.batch.gone):
            if _under(path, away):
                continue
            for known, row in store.files_snapshot(path).items():
                if row.status != "missing" and not os.path.exists(known):
                    gone.append(known)
        if not gone:
            return Changes()
        with library_lock(library.settings.db_path, purpose="indexing"):
            missing = store.mark_missing(gone)
        self.report.missing += missing
        return Changes(files=True, removed=True) if missing else Changes()


def _under(path: str, folders: list[str]) -> bool:
    return any(is_under(path, f) for f in folders)
