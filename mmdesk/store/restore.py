"""Restoring a user-data backup into a fresh library; the old file is moved aside, never deleted."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from mmdesk.errors import StoreError
from mmdesk.store import diagnose
from mmdesk.store.backup import read_info
from mmdesk.store.backup_sql import RESTORE
from mmdesk.store.connection import SIDE_FILES, uri
from mmdesk.store.store import Store


@dataclass(frozen=True)
class RestoreReport:
    """What a restore did: where the old file went and what came back."""

    restored_from: Path
    moved_aside: Path | None
    files: int
    labels: int
    tags: int
    texts: int


def restore(backup_path: Path, db_path: Path) -> RestoreReport:
    """Replace the library at ``db_path`` by a new one holding the backup's user data.

    The current file (damaged or not) is renamed ``<name>.damaged-<time>`` with its -wal and
    -shm. The next `mmdesk index` recomputes vectors; tags, labels and user texts are back.
    """
    backup_path, db_path = Path(backup_path), Path(db_path)
    read_info(backup_path)  # refuse a file that is not a backup before moving anything
    moved = move_aside(db_path)
    Store(db_path).close()
    conn = sqlite3.connect(uri(db_path, "rw"), uri=True, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("ATTACH DATABASE ? AS bak", (uri(backup_path, "ro"),))
        conn.execute("BEGIN IMMEDIATE")
        for statement in RESTORE:
            conn.execute(statement)
        conn.execute("COMMIT")
        counts = [_count(conn, t) for t in ("files", "labels", "tags", "texts")]
    except sqlite3.Error as exc:
        raise diagnose.translate(exc, db_path) from exc
    finally:
        conn.close()
    return RestoreReport(backup_path, moved, *counts)


def _count(conn: sqlite3.Connection, table: str) -> int:
    return int(conn.execute(f"SELECT COUNT(*) FROM main.{table}").fetchone()[0])


def move_aside(db_path: Path) -> Path | None:
    """Rename the library and its side files to ``<name>.damaged-<time>``; None if absent."""
    if not db_path.exists():
        return None
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = db_path.with_name(f"{db_path.name}.damaged-{stamp}")
    if aside.exists():
        raise StoreError(f"{aside} already exists; move it away and try again")
    os.replace(db_path, aside)
    for suffix in SIDE_FILES:
        side = Path(f"{db_path}{suffix}")
        if side.exists():
            os.replace(side, Path(f"{aside}{suffix}"))
    return aside
