"""Opening the database: look before touching, then WAL, foreign keys and migrations.

Nothing that writes (not even ``PRAGMA journal_mode``) runs before the file is known to be an
mmdesk library this version can use: a newer, foreign, damaged or read-only file is left
byte-for-byte as it was.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from mmdesk.errors import ReadOnlyStoreError, SchemaTooNewError, StoreError
from mmdesk.store import diagnose as errors
from mmdesk.store.mounts import network_mount
from mmdesk.store.probe import Probe, classify, probe
from mmdesk.store.schema import MIGRATIONS, SCHEMA_VERSION

log = logging.getLogger(__name__)

# quick_check reads every page: ~0.1 s at 50 MB, seconds at 1 GB. Above this size the open
# skips it and relies on the first "malformed" error, the daily backup and `Store.check()`.
QUICK_CHECK_MAX_BYTES = 256 * 1024 * 1024
SIDE_FILES = ("-wal", "-shm", "-journal")

BeforeMigrate = Callable[[Path, int], None]


def uri(path: Path, mode: str) -> str:
    """A SQLite URI for ``path`` (any bytes in the name) in ``mode`` ('ro' or 'rwc')."""
    return f"file:{quote(os.fsencode(path))}?mode={mode}"


def writable(path: Path) -> bool:
    """Whether this process may write the database and create its -wal/-shm beside it."""
    folder = path.parent if path.parent.exists() else path.parent.parent
    if path.exists() and not os.access(path, os.W_OK):
        return False
    return os.access(folder, os.W_OK)


@dataclass
class Opened:
    """An open library: its connection, whether it is read-only, side files this open made."""

    conn: sqlite3.Connection
    read_only: bool
    created_side_files: list[Path] = field(default_factory=list)

    def close(self) -> None:
        """Close; a read-only open removes the empty -wal/-shm it made, so none blocks a writer."""
        self.conn.close()
        remove_empty_side_files(self.created_side_files)


def remove_empty_side_files(created: list[Path]) -> None:
    """Remove -wal/-shm a read-only look created, unless the -wal holds data."""
    for side in created:
        if side.name.endswith("-wal") and side.exists() and side.stat().st_size:
            return
    for side in created:
        with suppress(OSError):
            side.unlink()


def open_db(
    path: Path,
    *,
    read_only: bool = False,
    before_migrate: BeforeMigrate | None = None,
    one_shot: bool = False,
) -> Opened:
    """Check, open and migrate the library at ``path``.

    ``one_shot``: for a process that reads and ends (a CLI query): the library opens
    read-only without ``PRAGMA quick_check`` (a page read of the whole file, seconds at a
    gigabyte) and without any write; damage then shows as the first query's "malformed",
    said as clearly (:mod:`diagnose`). A schema older than ours opens the normal way, which
    migrates it."""
    _refuse_special(path)
    read_only = read_only or not writable(path)
    before = side_files(path)
    try:
        found = probe(path)
        classify(found, path)
    except StoreError:
        remove_empty_side_files([p for p in side_files(path) if p not in before])
        raise
    if one_shot and found.has_content and found.version == SCHEMA_VERSION:
        conn = _open_read_only(path, found, check=False)
        return Opened(conn, True, [p for p in side_files(path) if p not in before])
    if read_only:
        conn = _open_read_only(path, found)
        return Opened(conn, True, [p for p in side_files(path) if p not in before])
    return Opened(_open_read_write(path, found, before_migrate), False)


def _refuse_special(path: Path) -> None:
    if path.exists() and not path.is_file():
        raise StoreError(
            f"{path} is not a regular file; move it away or choose another data folder"
        )


def _open_read_only(path: Path, found: Probe, *, check: bool = True) -> sqlite3.Connection:
    if not found.has_content:
        raise ReadOnlyStoreError(f"cannot create a library at {path}: the folder is read-only")
    if found.version < SCHEMA_VERSION:
        raise ReadOnlyStoreError(f"{path} needs an upgrade but is read-only; make it writable")
    conn: sqlite3.Connection | None = None
    try:
        conn = sqlite3.connect(
            uri(path, "ro"), uri=True, isolation_level=None, check_same_thread=False
        )
        conn.execute("PRAGMA query_only=ON")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=30000")
        if check:
            check_integrity(conn, path)
        else:  # the schema's pages only: a file that is no database at all fails here
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        if conn is not None:
            conn.close()
        raise errors.translate(exc, path) from exc
    return conn


def _open_read_write(
    path: Path, found: Probe, before_migrate: BeforeMigrate | None
) -> sqlite3.Connection:
    creating = not found.has_content
    refuse_network_mount(path, creating)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the data folder {path.parent}: {exc}") from exc
    conn: sqlite3.Connection | None = None
    try:
        conn = sqlite3.connect(
            uri(path, "rwc"), uri=True, isolation_level=None, check_same_thread=False
        )
        conn.execute("PRAGMA busy_timeout=30000")
        if not creating:
            check_integrity(conn, path)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=NORMAL")
        if 1 <= found.version < SCHEMA_VERSION and before_migrate and not creating:
            before_migrate(path, found.version)
        migrate(conn, path)
    except BaseException as exc:
        if conn is not None:
            conn.close()
        if creating and "full" in str(exc).lower():  # only our own half-made file: another
            _remove_failed_create(path)  # thread may be creating the same library right now
        if isinstance(exc, sqlite3.Error):
            raise errors.translate(exc, path) from exc
        raise
    return conn


def refuse_network_mount(path: Path, creating: bool) -> None:
    """SQLite's write-ahead log needs shared memory and locks that network file systems do
    not honour (a library there can corrupt): never create one there; an existing one opens,
    with a warning, so nobody is locked out of their data."""
    mount = network_mount(path)
    if mount is None:
        return
    where = f"{mount.fstype} share {mount.source} mounted at {mount.point}"
    if creating:
        raise StoreError(
            f"refusing to create the library database {path} on a network file system "
            f"({where}): SQLite is not safe there. Keep the database on a local disk: "
            "choose a local data folder with --data-dir (or MMDESK_DATA_DIR); the photos "
            "themselves may stay on the share"
        )
    log.warning(
        "the library database %s is on a network file system (%s): SQLite is not safe "
        "there; move the data folder to a local disk (--data-dir)",
        path,
        where,
    )


def _remove_failed_create(path: Path) -> None:
    """A create that failed (disk full, ...) leaves no half-made library to be refused later."""
    for candidate in [path, *side_files(path)]:
        with suppress(OSError):
            candidate.unlink()


def side_files(path: Path) -> list[Path]:
    """The -wal, -shm and -journal files beside the database that exist now."""
    return [p for p in (Path(f"{path}{s}") for s in SIDE_FILES) if p.exists()]


def check_integrity(conn: sqlite3.Connection, path: Path, *, force: bool = False) -> None:
    """Raise StoreCorruptError when ``PRAGMA quick_check`` finds damage (skipped when huge)."""
    if not force and path.exists() and path.stat().st_size > QUICK_CHECK_MAX_BYTES:
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return
    problems = [r[0] for r in conn.execute("PRAGMA quick_check(5)") if r[0] != "ok"]
    if problems:
        raise errors.corrupt(path, "; ".join(problems))


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Apply the missing migrations in one transaction; refuse a schema newer than ours."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        conn.close()
        raise SchemaTooNewError(errors.too_new(path, version))
    if version == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for number in range(version, SCHEMA_VERSION):
            log.info("migrating %s to schema version %d", path, number + 1)
            for statement in split(MIGRATIONS[number]):
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        rollback_quietly(conn)
        raise


def rollback_quietly(conn: sqlite3.Connection, statement: str = "ROLLBACK") -> None:
    """Roll back if a transaction is still open; never let a rollback failure hide the cause.

    SQLite rolls back by itself after some errors (disk full, I/O); a second ROLLBACK then
    fails with "no transaction is active" and would mask the real error.
    """
    if not conn.in_transaction:
        return
    try:
        conn.execute(statement)
    except sqlite3.Error as exc:
        log.warning("rollback failed after an earlier error: %s", exc)


def split(script: str) -> list[str]:
    """Split a migration script into statements, keeping trigger bodies whole."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements
