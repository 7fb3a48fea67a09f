"""Rolling backups of what mmdesk cannot recompute: tags, labels, a person's texts, settings.

A backup is a small SQLite file of user data only (folders, files, the items that carry
labels or user texts, tags, labels, user texts, classifiers, settings), built in memory from a
read-only snapshot of the library and written out with SQLite's online backup API. Vectors
are left out: they are gigabytes at scale and the next index run recomputes them.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from mmdesk.errors import StoreError
from mmdesk.store import diagnose
from mmdesk.store.backup_sql import COPY, SCHEMA
from mmdesk.store.connection import uri

if TYPE_CHECKING:
    from mmdesk.store.store import Store

log = logging.getLogger(__name__)

KEEP = 7  # generations kept per reason
DAY = 24 * 3600.0
SUFFIX = ".mmbackup"


@dataclass(frozen=True)
class BackupInfo:
    """One backup file and what it holds."""

    path: Path
    created: datetime
    reason: str
    labels: int
    size: int


def make_backup(source: Store | Path | str, backups_dir: Path, reason: str) -> Path:
    """Write a user-data backup of the library and keep the newest KEEP of this reason."""
    db_path = Path(source) if isinstance(source, Path | str) else source.path
    backups_dir.mkdir(parents=True, exist_ok=True)
    reason = re.sub(r"[^a-z0-9-]+", "-", reason.lower()).strip("-") or "manual"
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = backups_dir / f"library-{stamp}-{reason}{SUFFIX}"
    memory = _snapshot(db_path, reason)
    partial = target.with_name(target.name + ".partial")
    try:
        disk = sqlite3.connect(partial)
        with disk:
            memory.backup(disk)
        disk.close()
        os.replace(partial, target)
    finally:
        memory.close()
        partial.unlink(missing_ok=True)
    _prune(backups_dir, reason)
    return target


def _snapshot(db_path: Path, reason: str) -> sqlite3.Connection:
    """The user data of the library, copied in one read transaction into a memory database."""
    memory = sqlite3.connect("file::memory:", uri=True, isolation_level=None)
    memory.executescript(SCHEMA)
    memory.execute("ATTACH DATABASE ? AS src", (uri(db_path, "ro"),))
    try:
        memory.execute("BEGIN")
        for statement in COPY:
            memory.execute(statement)
        version = memory.execute("PRAGMA src.user_version").fetchone()[0]
        info = {
            "created": str(time.time()),
            "reason": reason,
            "schema_version": str(version),
            "source": os.fsdecode(db_path),
        }
        memory.executemany("INSERT INTO backup_info VALUES (?, ?)", info.items())
        memory.execute("COMMIT")
        memory.execute("DETACH DATABASE src")
    except sqlite3.Error as exc:
        memory.close()
        raise diagnose.translate(exc, db_path) from exc
    return memory


def read_info(path: Path) -> BackupInfo:
    """What a backup file holds; StoreError when it is not a readable mmdesk backup."""
    try:
        conn = sqlite3.connect(uri(path, "ro"), uri=True)
        try:
            info = dict(conn.execute("SELECT key, value FROM backup_info"))
            labels = conn.execute("SELECT COUNT(*) FROM labels").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise StoreError(f"{path} is not a readable mmdesk backup: {exc}") from exc
    created = datetime.fromtimestamp(float(info.get("created", 0)))
    return BackupInfo(path, created, info.get("reason", ""), int(labels), path.stat().st_size)


def list_backups(backups_dir: Path) -> list[BackupInfo]:
    """Readable backups in the folder, newest first (unreadable ones are logged and skipped)."""
    found = []
    for path in backups_dir.glob(f"library-*{SUFFIX}") if backups_dir.is_dir() else []:
        try:
            found.append(read_info(path))
        except StoreError as exc:
            log.warning("skipping backup: %s", exc)
    return sorted(found, key=lambda b: (b.created, b.path.name), reverse=True)


def last_backup(backups_dir: Path) -> BackupInfo | None:
    """The newest readable backup, or None."""
    found = list_backups(backups_dir)
    return found[0] if found else None


def maybe_daily_backup(
    source: Store | Path | str, backups_dir: Path, *, now: float | None = None
) -> Path | None:
    """Back up when the newest backup is a day old or there is none; returns the new file."""
    newest = last_backup(backups_dir)
    now = time.time() if now is None else now
    if newest is not None and now - newest.created.timestamp() < DAY:
        return None
    return make_backup(source, backups_dir, "daily")


def _prune(backups_dir: Path, reason: str) -> None:
    same = [b for b in list_backups(backups_dir) if b.reason == reason]
    for old in same[KEEP:]:
        old.path.unlink(missing_ok=True)
