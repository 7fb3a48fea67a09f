"""The Store: one SQLite database holding files, items, embeddings, texts, tags and labels.

A Store belongs to one thread. The indexer and the GUI's writer each open their own; readers
can open more (WAL lets them read while one writer writes).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import sqlite_utils

from mmdesk.errors import StoreError
from mmdesk.store import vectors
from mmdesk.store.connection import connect, describe


@dataclass(frozen=True)
class FileRow:
    """A file as the store knows it."""

    id: int
    path: str
    size: int
    mtime_ns: int
    hash: str | None
    kind: str
    status: str
    error: str | None


class Store:
    """Domain operations over the database. Every method that writes is one transaction."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.conn = connect(self.path)
        self.db = sqlite_utils.Database(self.conn)
        self._depth = 0
        self._owner = threading.get_ident()

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of writes; nested calls join the outer transaction."""
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise describe(exc) or exc from exc
        self._depth = 1
        try:
            yield self.conn
        except BaseException:
            self._depth = 0
            self.conn.execute("ROLLBACK")
            raise
        self._depth = 0
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise describe(exc) or exc from exc

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        cur = self.conn.execute(sql, tuple(params))
        cur.row_factory = sqlite3.Row
        return cur.fetchall()

    def scalar(self, sql: str, params: Iterable[Any] = ()) -> Any:
        row = self.conn.execute(sql, tuple(params)).fetchone()
        return row[0] if row else None

    # settings -----------------------------------------------------------------------------
    def get_setting(self, key: str, default: str | None = None) -> str | None:
        value = self.scalar("SELECT value FROM settings WHERE key=?", (key,))
        return default if value is None else str(value)

    def set_setting(self, key: str, value: str | None) -> None:
        with self.transaction():
            self.conn.execute(
                "INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) "
                "DO UPDATE SET value=excluded.value",
                (key, value),
            )

    def generation(self) -> int:
        """A counter bumped by every change to embeddings or items; caches key on it."""
        return int(self.get_setting("generation", "0") or 0)

    def _bump(self) -> None:
        self.conn.execute(
            "INSERT INTO settings(key, value) VALUES ('generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value=CAST(value AS INTEGER)+1"
        )

    # folders ------------------------------------------------------------------------------
    def add_folder(self, path: Path) -> int:
        resolved = str(Path(path).expanduser().resolve())
        with self.transaction():
            self.conn.execute(
                "INSERT OR IGNORE INTO folders(path, added_at) VALUES (?, ?)",
                (resolved, time.time()),
            )
            folder_id = int(self.scalar("SELECT id FROM folders WHERE path=?", (resolved,)))
            self.conn.execute(
                "UPDATE files SET folder_id=? WHERE folder_id IS NULL AND "
                "(path = ? OR path LIKE ? ESCAPE '\\')",
                (folder_id, resolved, _like_prefix(resolved)),
            )
        return folder_id

    def remove_folder(self, path: Path | str) -> int:
        """Forget a library folder and everything indexed under it; returns files removed."""
        resolved = str(Path(path).expanduser().resolve())
        with self.transaction():
            folder_id = self.scalar("SELECT id FROM folders WHERE path=?", (resolved,))
            if folder_id is None:
                raise StoreError(f"{resolved} is not a library folder")
            inside = _like_prefix(resolved)
            others = [
                r[0]
                for r in self.conn.execute("SELECT path FROM folders WHERE id != ?", (folder_id,))
            ]
            rows = self.conn.execute(
                "SELECT id, path FROM files WHERE folder_id=? OR path LIKE ? ESCAPE '\\'",
                (folder_id, inside),
            ).fetchall()
            doomed = [fid for fid, p in rows if not any(_is_under(p, o) for o in others)]
            self.conn.executemany("DELETE FROM files WHERE id=?", [(f,) for f in doomed])
            self.conn.execute("DELETE FROM folders WHERE id=?", (folder_id,))
            self._bump()
        return len(doomed)

    def folders(self) -> list[dict[str, Any]]:
        """Library folders with item and file counts, for the sidebar and `status`."""
        rows = self.query(
            "SELECT f.id, f.path, f.state, f.last_scan, "
            "(SELECT COUNT(*) FROM files WHERE folder_id=f.id AND status='indexed') AS files, "
            "(SELECT COUNT(*) FROM files WHERE folder_id=f.id AND status='error') AS errors, "
            "(SELECT COUNT(*) FROM items i JOIN files x ON x.id=i.file_id "
            " WHERE x.folder_id=f.id AND x.status='indexed') AS items "
            "FROM folders f ORDER BY f.path"
        )
        return [dict(r) for r in rows]

    def set_folder_state(self, folder_id: int, state: str) -> None:
        with self.transaction():
            self.conn.execute(
                "UPDATE folders SET state=?, last_scan=? WHERE id=?",
                (state, time.time(), folder_id),
            )

    def folder_for(self, path: str) -> int | None:
        best: tuple[int, int] | None = None
        for fid, fpath in self.conn.execute("SELECT id, path FROM folders"):
            if _is_under(path, fpath) and (best is None or len(fpath) > best[1]):
                best = (fid, len(fpath))
        return best[0] if best else None

    # files --------------------------------------------------------------------------------
    def file_by_path(self, path: str) -> FileRow | None:
        row = self.conn.execute(
            "SELECT id, path, size, mtime_ns, hash, kind, status, error FROM files WHERE path=?",
            (path,),
        ).fetchone()
        return FileRow(*row) if row else None

    def files_snapshot(self, under: str | None = None) -> dict[str, FileRow]:
        """All known files (optionally under a folder), by path, for the scanner's diff."""
        sql = "SELECT id, path, size, mtime_ns, hash, kind, status, error FROM files"
        params: tuple[Any, ...] = ()
        if under:
            sql += " WHERE path = ? OR path LIKE ? ESCAPE '\\'"
            params = (under, _like_prefix(under))
        return {r[1]: FileRow(*r) for r in self.conn.execute(sql, params)}

    def moved_candidate(self, content_hash: str) -> FileRow | None:
        """A known file with this content whose path is gone: the same file, moved."""
        rows = self.conn.execute(
            "SELECT id, path, size, mtime_ns, hash, kind, status, error FROM files "
            "WHERE hash=? ORDER BY status='missing' DESC, id",
            (content_hash,),
        ).fetchall()
        for row in rows:
            if not Path(row[1]).exists():
                return FileRow(*row)
        return None

    def upsert_file(
        self,
        path: str,
        *,
        size: int,
        mtime_ns: int,
        kind: str,
        status: str,
        content_hash: str | None = None,
        error: str | None = None,
        meta: dict[str, Any] | None = None,
    ) -> int:
        """Insert or update a file row by path; returns its id."""
        meta = meta or {}
        now = time.time()
        self.conn.execute(
            "INSERT INTO files(path, folder_id, size, mtime_ns, hash, kind, status, error, width,"
            " height, taken_at, camera, meta, added_at, indexed_at) VALUES "
            "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(path) DO UPDATE SET "
            "size=excluded.size, mtime_ns=excluded.mtime_ns, hash=excluded.hash, "
            "kind=excluded.kind, status=excluded.status, error=excluded.error, "
            "width=excluded.width, height=excluded.height, taken_at=excluded.taken_at, "
            "camera=excluded.camera, meta=excluded.meta, indexed_at=excluded.indexed_at, "
            "folder_id=COALESCE(files.folder_id, excluded.folder_id)",
            (
                path,
                self.folder_for(path),
                size,
                mtime_ns,
                content_hash,
                kind,
                status,
                error,
                meta.get("width"),
                meta.get("height"),
                meta.get("taken_at"),
                meta.get("camera"),
                json.dumps(meta.get("extra") or {}),
                now,
                now if status == "indexed" else None,
            ),
        )
        return int(self.scalar("SELECT id FROM files WHERE path=?", (path,)))

    def move_file(self, file_id: int, new_path: str, *, size: int, mtime_ns: int) -> None:
        """A file was moved or renamed: keep its row (and so items, embeddings, labels)."""
        self.conn.execute("DELETE FROM files WHERE path=? AND id != ?", (new_path, file_id))
        self.conn.execute(
            "UPDATE files SET path=?, size=?, mtime_ns=?, folder_id=?, status=CASE WHEN "
            "status='missing' THEN 'indexed' ELSE status END WHERE id=?",
            (new_path, size, mtime_ns, self.folder_for(new_path), file_id),
        )
        self._bump()

    def mark_missing(self, paths: Iterable[str]) -> int:
        """Files that vanished from disk are marked, not deleted: tags and labels survive."""
        with self.transaction():
            cur = self.conn.executemany(
                "UPDATE files SET status='missing' WHERE path=? AND status != 'missing'",
                [(p,) for p in paths],
            )
            self._bump()
        return cur.rowcount

    # items and embeddings -----------------------------------------------------------------
    def ensure_item(
        self,
        file_id: int,
        kind: str,
        start: float | None = None,
        end: float | None = None,
        meta: dict[str, Any] | None = None,
    ) -> int:
        """The item for (file, kind, start), created if needed; keeps ids stable on re-index."""
        if start is None:
            row = self.conn.execute(
                "SELECT id FROM items WHERE file_id=? AND kind=? AND start IS NULL", (file_id, kind)
            ).fetchone()
        else:
            row = self.conn.execute(
                "SELECT id FROM items WHERE file_id=? AND kind=? AND start=?",
                (file_id, kind, start),
            ).fetchone()
        if row:
            self.conn.execute(
                'UPDATE items SET "end"=?, meta=? WHERE id=?',
                (end, json.dumps(meta) if meta else None, row[0]),
            )
            return int(row[0])
        cur = self.conn.execute(
            'INSERT INTO items(file_id, kind, start, "end", meta) VALUES (?,?,?,?,?)',
            (file_id, kind, start, end, json.dumps(meta) if meta else None),
        )
        return int(cur.lastrowid or 0)

    def ensure_encoder(
        self,
        encoder_id: str,
        *,
        space: str,
        modality: str,
        dim: int,
        plugin: str | None = None,
        version: str | None = None,
    ) -> None:
        self.conn.execute(
            "INSERT INTO encoders(id, space, modality, dim, plugin, version, first_seen) "
            "VALUES (?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET version=excluded.version",
            (encoder_id, space, modality, dim, plugin, version, time.time()),
        )

    def put_embeddings(
        self, item_ids: list[int], encoder_id: str, matrix: np.ndarray, dtype: str = "float32"
    ) -> None:
        """Store one row of ``matrix`` per item under ``encoder_id`` (replacing old ones)."""
        rows = [(i, encoder_id, dtype, vectors.to_blob(v, dtype)) for i, v in zip(item_ids, matrix)]
        self.conn.executemany(
            "INSERT OR REPLACE INTO embeddings(item_id, encoder, dtype, vector) VALUES (?,?,?,?)",
            rows,
        )
        self._bump()

    def has_embeddings(self, file_id: int, encoder_ids: Iterable[str]) -> bool:
        """Whether every item of the file has a vector from every given encoder."""
        for encoder_id in encoder_ids:
            missing = self.scalar(
                "SELECT COUNT(*) FROM items i LEFT JOIN embeddings e ON e.item_id=i.id AND "
                "e.encoder=? WHERE i.file_id=? AND e.item_id IS NULL",
                (encoder_id, file_id),
            )
            count = self.scalar("SELECT COUNT(*) FROM items WHERE file_id=?", (file_id,))
            if missing or not count:
                return False
        return True

    def load_embeddings(self, encoder_ids: list[str], dim: int) -> tuple[np.ndarray, np.ndarray]:
        """(item ids, float32 matrix) of all present items embedded by any of the encoders."""
        marks = ",".join("?" * len(encoder_ids))
        cur = self.conn.execute(
            f"SELECT e.item_id, e.dtype, e.vector FROM embeddings e JOIN items i ON "
            f"i.id=e.item_id JOIN files f ON f.id=i.file_id WHERE e.encoder IN ({marks}) "
            f"AND f.status='indexed'",
            encoder_ids,
        )  # no ORDER BY: it sorts every blob
        rows = cur.fetchall()
        ids = np.fromiter((r[0] for r in rows), np.int64, len(rows))
        dtypes = {r[1] for r in rows}
        if len(dtypes) <= 1:
            dtype = next(iter(dtypes), "float32")
            return ids, vectors.stack_blobs([r[2] for r in rows], dtype, dim)
        matrix = np.empty((len(rows), dim), np.float32)
        for dtype in dtypes:
            at = [n for n, r in enumerate(rows) if r[1] == dtype]
            matrix[at] = vectors.stack_blobs([rows[n][2] for n in at], dtype, dim)
        return ids, matrix

    def item_vector(self, item_id: int, encoder_ids: list[str]) -> np.ndarray | None:
        marks = ",".join("?" * len(encoder_ids))
        row = self.conn.execute(
            f"SELECT dtype, vector FROM embeddings WHERE item_id=? AND encoder IN ({marks})",
            (item_id, *encoder_ids),
        ).fetchone()
        return vectors.from_blob(row[1], row[0]) if row else None

    def items_info(self, item_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        """Path, kind, times and file facts for items, by id."""
        ids = list(item_ids)
        out: dict[int, dict[str, Any]] = {}
        for chunk in range(0, len(ids), 900):
            part = ids[chunk : chunk + 900]
            marks = ",".join("?" * len(part))
            for row in self.query(
                f'SELECT i.id AS item_id, i.kind, i.start, i."end", f.id AS file_id, f.path, '
                f"f.size, f.mtime_ns, f.width, f.height, f.taken_at, f.camera, f.status "
                f"FROM items i JOIN files f ON f.id=i.file_id WHERE i.id IN ({marks})",
                part,
            ):
                out[row["item_id"]] = dict(row)
        return out

    def item_for_path(self, path: str) -> int | None:
        return self.scalar(
            "SELECT i.id FROM items i JOIN files f ON f.id=i.file_id WHERE f.path=?"
            " ORDER BY i.start IS NOT NULL, i.start LIMIT 1",
            (path,),
        )

    # texts ------------------------------------------------------------------------------------
    def add_text(
        self,
        item_id: int,
        source: str,
        text: str,
        *,
        producer: str | None = None,
        lang: str | None = None,
    ) -> int:
        with self.transaction():
            cur = self.conn.execute(
                "INSERT INTO texts(item_id, source, producer, lang, text, "
                "created_at) VALUES (?,?,?,?,?,?)",
                (item_id, source, producer, lang, text, time.time()),
            )
        return int(cur.lastrowid or 0)

    def texts_for(self, item_id: int) -> list[dict[str, Any]]:
        return [
            dict(r)
            for r in self.query(
                "SELECT source, producer, lang, text FROM texts WHERE item_id=? ORDER BY id",
                (item_id,),
            )
        ]

    def search_texts(self, query: str, limit: int = 100) -> list[tuple[int, float]]:
        """Full-text search over captions, OCR, transcripts and notes: (item id, bm25 rank)."""
        best: dict[int, float] = {}
        for item_id, rank in self.conn.execute(
            "SELECT t.item_id, f.rank FROM texts_fts f JOIN texts t ON t.id=f.rowid "
            "WHERE texts_fts MATCH ? ORDER BY f.rank LIMIT ?",
            (query, limit * 4),
        ):
            best.setdefault(int(item_id), float(rank))
        rows = sorted(best.items(), key=lambda kv: kv[1])[:limit]
        return [(int(i), float(s)) for i, s in rows]

    # tags and labels --------------------------------------------------------------------------
    def tag_id(self, name: str, *, create: bool = True) -> int | None:
        name = name.strip()
        if not name:
            raise StoreError("a tag needs a name")
        found = self.scalar("SELECT id FROM tags WHERE name=?", (name,))
        if found is None and create:
            cur = self.conn.execute(
                "INSERT INTO tags(name, created_at) VALUES (?, ?)", (name, time.time())
            )
            found = cur.lastrowid
        return None if found is None else int(found)

    def add_label(
        self, item_ids: Iterable[int], tag: str, *, source: str = "user", score: float | None = None
    ) -> None:
        with self.transaction():
            tag_id = self.tag_id(tag)
            self.conn.executemany(
                "INSERT OR REPLACE INTO labels(item_id, tag_id, source, score, created_at) "
                "VALUES (?,?,?,?,?)",
                [(i, tag_id, source, score, time.time()) for i in item_ids],
            )

    def remove_label(self, item_ids: Iterable[int], tag: str, *, source: str = "user") -> None:
        with self.transaction():
            tag_id = self.tag_id(tag, create=False)
            if tag_id is None:
                return
            self.conn.executemany(
                "DELETE FROM labels WHERE item_id=? AND tag_id=? AND source=?",
                [(i, tag_id, source) for i in item_ids],
            )

    def labels_for(self, item_id: int) -> list[str]:
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT DISTINCT t.name FROM labels l JOIN tags t ON t.id=l.tag_id"
                " WHERE l.item_id=? ORDER BY t.name",
                (item_id,),
            )
        ]

    def tag_counts(self) -> list[tuple[str, int]]:
        return [
            (r[0], int(r[1]))
            for r in self.conn.execute(
                "SELECT t.name, COUNT(DISTINCT l.item_id) FROM tags t LEFT JOIN labels l ON "
                "l.tag_id=t.id GROUP BY t.id ORDER BY t.name"
            )
        ]

    # summaries ------------------------------------------------------------------------------
    def counts(self) -> dict[str, Any]:
        by_status = dict(self.conn.execute("SELECT status, COUNT(*) FROM files GROUP BY status"))
        by_kind = self.items_by_kind()
        per_encoder = dict(
            self.conn.execute("SELECT encoder, COUNT(*) FROM embeddings GROUP BY encoder")
        )
        return {
            "files": int(by_status.get("indexed", 0)),
            "items": sum(by_kind.values()),
            "errors": int(by_status.get("error", 0)),
            "missing": int(by_status.get("missing", 0)),
            "pending": int(by_status.get("pending", 0)),
            "items_by_kind": by_kind,
            "embeddings": per_encoder,
            "tags": len(self.tag_counts()),
            "folders": len(self.folders()),
        }

    def items_by_kind(self) -> dict[str, int]:
        """Present items per kind (image, video_frame, ...), for counts and the sidebar."""
        return {
            str(k): int(n)
            for k, n in self.conn.execute(
                "SELECT i.kind, COUNT(*) FROM items i JOIN files f ON f.id=i.file_id "
                "WHERE f.status='indexed' GROUP BY i.kind"
            )
        }

    def errors(self, limit: int = 100) -> list[tuple[str, str]]:
        return [
            (r[0], r[1] or "")
            for r in self.conn.execute(
                "SELECT path, error FROM files WHERE status='error' ORDER BY path LIMIT ?", (limit,)
            )
        ]


def _like_prefix(folder: str) -> str:
    escaped = folder.rstrip("/\\").replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "/%"


def _is_under(path: str, folder: str) -> bool:
    folder = folder.rstrip("/")
    return path == folder or path.startswith(folder + "/")
