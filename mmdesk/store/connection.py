"""Opening the database: WAL, foreign keys, versioned migrations, typed errors."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from mmdesk.errors import SchemaTooNewError, StoreError
from mmdesk.store.schema import MIGRATIONS, SCHEMA_VERSION

log = logging.getLogger(__name__)

# Errors the environment causes; anything else from sqlite3 is a bug and is re-raised as is.
_ENVIRONMENT_ERRORS = (
    "disk is full",
    "database is locked",
    "readonly",
    "malformed",
    "unable to open",
    "disk i/o error",
    "not a database",
)


def describe(error: sqlite3.Error) -> StoreError | None:
    """Turn an environment-caused sqlite error into a StoreError a person can act on."""
    text = str(error).lower()
    if any(key in text for key in _ENVIRONMENT_ERRORS):
        return StoreError(f"database problem: {error}")
    return None


def connect(path: Path, *, timeout: float = 30.0) -> sqlite3.Connection:
    """Open (creating if needed) and migrate the database at ``path``."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            str(path), timeout=timeout, isolation_level=None, check_same_thread=False
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=30000")
        migrate(conn, path)
    except sqlite3.Error as exc:
        raise describe(exc) or exc from exc
    except OSError as exc:
        raise StoreError(f"cannot create the data folder {path.parent}: {exc}") from exc
    return conn


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Apply the missing migrations in one transaction; refuse a schema newer than ours."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        conn.close()
        raise SchemaTooNewError(
            f"{path} has schema version {version}, but this mmdesk knows only up to "
            f"{SCHEMA_VERSION}. Upgrade mmdesk; the database was left untouched."
        )
    if version == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for number in range(version, SCHEMA_VERSION):
            log.info("migrating %s to schema version %d", path, number + 1)
            for statement in _split(MIGRATIONS[number]):
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _split(script: str) -> list[str]:
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
