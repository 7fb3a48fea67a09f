"""The connection every part of the Store shares: transactions, savepoints, guarded SQL.

A Store belongs to one thread. All SQL of the store goes through ``_sql``/``_many`` so an
environment error becomes a typed StoreError, and the first sign of damage makes the Store
refuse every later write.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mmdesk.errors import StoreCorruptError
from mmdesk.store import diagnose
from mmdesk.store.connection import Opened, rollback_quietly

Params = Iterable[Any]


class StoreBase:
    """One connection, one thread; every write happens inside ``transaction()``."""

    path: Path
    conn: sqlite3.Connection
    read_only: bool

    def _attach(self, path: Path, opened: Opened) -> None:
        self.path = path
        self._opened = opened
        self.conn = opened.conn
        self.read_only = opened.read_only
        self._damage: StoreCorruptError | None = None
        self._depth = 0
        self._dirty = False
        self._owner = threading.get_ident()

    def close(self) -> None:
        """Close the connection (a read-only open also removes the empty side files it made)."""
        self._opened.close()

    # guarded SQL ------------------------------------------------------------------------
    def _sql(self, sql: str, params: Params = ()) -> sqlite3.Cursor:
        """Run one statement; environment errors become typed StoreErrors."""
        try:
            return self.conn.execute(sql, tuple(params))
        except sqlite3.Error as exc:
            raise self._failure(exc) from exc

    def _many(self, sql: str, rows: Iterable[Sequence[Any]]) -> sqlite3.Cursor:
        """Run one statement for many rows in a single executemany call."""
        try:
            return self.conn.executemany(sql, rows)
        except sqlite3.Error as exc:
            raise self._failure(exc) from exc

    def _failure(self, exc: sqlite3.Error) -> Exception:
        error = diagnose.translate(exc, self.path)
        if isinstance(error, StoreCorruptError):
            self._damage = error
        return error

    def query(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Store-internal (callers move to named methods): rows as sqlite3.Row."""
        cur = self._sql(sql, params)
        cur.row_factory = sqlite3.Row
        return cur.fetchall()

    def scalar(self, sql: str, params: Params = ()) -> Any:
        """Store-internal: the first column of the first row, or None."""
        row = self._sql(sql, params).fetchone()
        return row[0] if row else None

    # transactions -----------------------------------------------------------------------
    def _check_writable(self) -> None:
        if self._damage is not None:
            raise StoreCorruptError(str(self._damage))
        if self.read_only:
            raise diagnose.read_only(self.path)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of writes. Nested calls are savepoints: an inner failure that the
        outer code catches rolls back only the inner part (sqlite-utils' ``atomic()``)."""
        self._check_writable()
        inner = self._savepoint() if self._depth else self._outermost()
        with inner:
            yield self.conn

    @contextmanager
    def _write(self) -> Iterator[None]:
        """Join the open transaction without a savepoint, or open one: for one-statement
        writes, which are atomic by themselves."""
        if self._depth:
            yield
            return
        with self.transaction():
            yield

    def _changed(self) -> None:
        """Files, items or embeddings changed: bump the generation once at commit."""
        self._dirty = True

    @contextmanager
    def _outermost(self) -> Iterator[None]:
        self._sql("BEGIN IMMEDIATE")
        self._depth, self._dirty = 1, False
        try:
            yield
            if self._dirty:
                self._bump()
            self._sql("COMMIT")
        except BaseException:
            rollback_quietly(self.conn)
            raise
        finally:
            self._depth, self._dirty = 0, False

    @contextmanager
    def _savepoint(self) -> Iterator[None]:
        name, dirty = f"mmdesk_{self._depth}", self._dirty
        self._sql(f"SAVEPOINT {name}")
        self._depth += 1
        try:
            yield
        except BaseException:
            self._dirty = dirty
            rollback_quietly(self.conn, f"ROLLBACK TO {name}")
            rollback_quietly(self.conn, f"RELEASE {name}")
            raise
        finally:
            self._depth -= 1
        self._sql(f"RELEASE {name}")

    def _bump(self) -> None:
        self._sql(
            "INSERT INTO settings(key, value) VALUES ('generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value=CAST(value AS INTEGER)+1"
        )

    def generation(self) -> int:
        """A counter bumped once per committed transaction that changed files, items or
        embeddings; caches key on it."""
        value = self.scalar("SELECT value FROM settings WHERE key='generation'")
        return int(value or 0)
