"""Turning sqlite3 errors into typed store errors whose message says what to do.

Errors the environment causes (disk full, locked, read-only, damaged) become StoreError
subclasses; anything else from sqlite3 is a bug and is re-raised as it is.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from mmdesk.errors import ReadOnlyStoreError, StoreCorruptError, StoreError
from mmdesk.store.schema import SCHEMA_VERSION

_CORRUPT = ("malformed", "not a database", "file is encrypted")
_READ_ONLY = ("readonly", "read-only", "query_only")
_ENVIRONMENT = (
    "disk is full",
    "database is locked",
    "unable to open",
    "disk i/o error",
    "database or disk is full",
    "out of memory",
)

RECOVER = (
    "Recover your tags and labels with `mmdesk restore` (it restores the latest backup and "
    "keeps the damaged file beside it), then run `mmdesk index` to recompute the rest."
)


def is_corruption(error: sqlite3.Error) -> bool:
    """Whether the error means the file itself is damaged."""
    text = str(error).lower()
    return any(key in text for key in _CORRUPT)


def corrupt(path: Path, detail: str) -> StoreCorruptError:
    """The typed error for a damaged library, with how to recover."""
    return StoreCorruptError(f"the library {path} is damaged ({detail}). {RECOVER}")


def read_only(path: Path) -> ReadOnlyStoreError:
    """The typed error for a write to a library opened read-only."""
    return ReadOnlyStoreError(f"the library {path} is read-only: reading works, changes do not")


def too_new(path: Path, version: int) -> str:
    """The message for a schema newer than this mmdesk knows."""
    return (
        f"{path} has schema version {version}, but this mmdesk knows only up to "
        f"{SCHEMA_VERSION}. Upgrade mmdesk; the database was left untouched."
    )


def describe(error: sqlite3.Error, path: Path | None = None) -> StoreError | None:
    """A StoreError a person can act on for an environment-caused error, else None."""
    text = str(error).lower()
    where = path if path is not None else Path("library")
    if any(key in text for key in _CORRUPT):
        return corrupt(where, str(error))
    if any(key in text for key in _READ_ONLY):
        return read_only(where)
    if any(key in text for key in _ENVIRONMENT):
        return StoreError(f"database problem with {where}: {error}")
    return None


def translate(error: sqlite3.Error, path: Path | None = None) -> Exception:
    """The typed error to raise for ``error`` (the error itself when it is a bug)."""
    return describe(error, path) or error
