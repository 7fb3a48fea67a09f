"""Looking at a database file before opening it for writing: is it ours, and which version?

The look is read-only (a ``mode=ro`` connection), so a file that is refused stays untouched.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from mmdesk.errors import NotALibraryError, SchemaTooNewError
from mmdesk.store import diagnose
from mmdesk.store.schema import APPLICATION_ID, CORE_TABLES, SCHEMA_VERSION

MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True)
class Probe:
    """What a look at the file found; ``has_content`` False means a new (or 0-byte) file."""

    has_content: bool
    version: int = 0
    application_id: int = 0
    tables: frozenset[str] = frozenset()

    @property
    def is_ours(self) -> bool:
        """An mmdesk library: our application id, or from before it with our tables."""
        if self.application_id == APPLICATION_ID:
            return True
        return self.application_id == 0 and self.version >= 1 and CORE_TABLES <= self.tables


def probe(path: Path) -> Probe:
    """Read version, application id and table names without writing anything.

    A 0-byte file (without a write-ahead log holding data) counts as new: it is what a create
    killed before its first commit leaves, and it holds nothing to lose.
    """
    if not path.exists() or (path.stat().st_size == 0 and not _wal_has_data(path)):
        return Probe(has_content=False)
    if path.stat().st_size and not _has_magic(path):
        raise NotALibraryError(f"{path} is not an mmdesk library (not a SQLite database)")
    from mmdesk.store.connection import uri

    try:
        conn = sqlite3.connect(uri(path, "ro"), uri=True)
        try:
            return _read(conn)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise diagnose.translate(exc, path) from exc


def _read(conn: sqlite3.Connection) -> Probe:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    tables = frozenset(r[0] for r in conn.execute("SELECT name FROM sqlite_master"))
    return Probe(True, int(version), int(app_id), tables)


def _has_magic(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


def _wal_has_data(path: Path) -> bool:
    wal = Path(f"{path}-wal")
    return wal.exists() and wal.stat().st_size > 0


def classify(found: Probe, path: Path) -> None:
    """Refuse a foreign file or a newer schema; an empty or older mmdesk file passes."""
    if not found.has_content:
        return
    if not found.is_ours and (found.tables or found.version or found.application_id):
        raise NotALibraryError(
            f"{path} is not an mmdesk library (it is another program's SQLite database); "
            "it was left untouched. Choose another data folder or move the file away."
        )
    if found.version > SCHEMA_VERSION:
        raise SchemaTooNewError(diagnose.too_new(path, found.version))
