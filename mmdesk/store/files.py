"""Files on disk as the store knows them: the scanner's snapshot, upserts, moves, errors."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mmdesk.store import paths
from mmdesk.store.folders import FoldersMixin

ERROR_KINDS = ("environment", "content")
_COLUMNS = "id, path, size, mtime_ns, hash, kind, status, error, error_kind"


@dataclass(frozen=True)
class FileRow:
    """A file as the store knows it (``path`` exactly as it was given, surrogates and all)."""

    id: int
    path: str
    size: int
    mtime_ns: int
    hash: str | None
    kind: str
    status: str
    error: str | None
    error_kind: str | None = None

    @property
    def should_retry(self) -> bool:
        """A failure the environment caused (permission, I/O, vanished): try again next run
        even when size and mtime are unchanged."""
        return self.status == "error" and self.error_kind == "environment"


def _row(raw: tuple[Any, ...]) -> FileRow:
    id_, path, size, mtime_ns, hash_, kind, status, error, error_kind = raw
    error = None if error is None else paths.decode(error)
    return FileRow(id_, paths.decode(path), size, mtime_ns, hash_, kind, status, error, error_kind)


def _text(message: str | None) -> str | None:
    """Error messages quote paths, so they go through the path codec too."""
    return None if message is None else paths.encode(message)


class FilesMixin(FoldersMixin):
    """Read and write file rows."""

    def file_by_path(self, path: str) -> FileRow | None:
        """The file at ``path``, or None."""
        raw = self._sql(
            f"SELECT {_COLUMNS} FROM files WHERE path=?", (paths.encode(path),)
        ).fetchone()
        return _row(raw) if raw else None

    def files_snapshot(self, under: str | None = None) -> dict[str, FileRow]:
        """All known files (optionally under a folder), by path, for the scanner's diff."""
        sql, params = f"SELECT {_COLUMNS} FROM files", list[str]()
        if under:
            clause, params = paths.under_sql("path", under)
            sql += f" WHERE {clause}"
        rows = [_row(r) for r in self._sql(sql, params)]
        return {r.path: r for r in rows}

    def retry_candidates(self) -> list[FileRow]:
        """Files that failed for environment reasons: the planner retries them every run."""
        rows = self._sql(
            f"SELECT {_COLUMNS} FROM files WHERE status='error' AND error_kind='environment'"
        )
        return [_row(r) for r in rows]

    def moved_candidate(self, content_hash: str) -> FileRow | None:
        """A known file with this content whose path is gone: the same file, moved."""
        rows = self._sql(
            f"SELECT {_COLUMNS} FROM files WHERE hash=? AND status NOT LIKE 'removed:%' "
            "ORDER BY status='missing' DESC, id",
            (content_hash,),
        ).fetchall()
        for raw in rows:
            row = _row(raw)
            if not Path(row.path).exists():
                return row
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
        error_kind: str | None = None,
        meta: dict[str, Any] | None = None,
    ) -> int:
        """Insert or update a file row by path; returns its id.

        ``error_kind`` says why a file failed: 'environment' is retried next run,
        'content' only once the file changes.
        """
        if error_kind is not None and error_kind not in ERROR_KINDS:
            raise ValueError(f"error_kind must be one of {ERROR_KINDS}, not {error_kind!r}")
        meta = meta or {}
        now = time.time()
        key = paths.encode(path)
        with self._write():
            self._sql(_UPSERT, (
                key, self.folder_for(path), size, mtime_ns, content_hash, kind, status,
                _text(error), error_kind if status == "error" else None, meta.get("width"),
                meta.get("height"), meta.get("taken_at"), meta.get("camera"),
                json.dumps(meta.get("extra") or {}), now, now if status == "indexed" else None,
            ))  # fmt: skip
            self._changed()
            return int(self.scalar("SELECT id FROM files WHERE path=?", (key,)))

    def move_file(self, file_id: int, new_path: str, *, size: int, mtime_ns: int) -> None:
        """A file was moved or renamed: keep its row (and so items, embeddings, labels)."""
        key = paths.encode(new_path)
        with self.transaction():
            self._sql("DELETE FROM files WHERE path=? AND id != ?", (key, file_id))
            self._sql(
                "UPDATE files SET path=?, size=?, mtime_ns=?, folder_id=?, status=CASE WHEN "
                "status='missing' THEN 'indexed' ELSE status END WHERE id=?",
                (key, size, mtime_ns, self.folder_for(new_path), file_id),
            )
            self._changed()

    def mark_missing(self, paths_gone: Iterable[str]) -> int:
        """Files that vanished from disk are marked, not deleted: tags and labels survive."""
        with self.transaction():
            cur = self._many(
                "UPDATE files SET status='missing' WHERE path=? AND status != 'missing'",
                [(paths.encode(p),) for p in paths_gone],
            )
            if cur.rowcount:
                self._changed()
        return cur.rowcount

    def errors(self, limit: int = 100) -> list[tuple[str, str]]:
        """(path, reason) of files that failed, for `status` and the error list."""
        rows = self._sql(
            "SELECT path, error FROM files WHERE status='error' ORDER BY path LIMIT ?", (limit,)
        )
        return [(paths.decode(p), paths.decode(e or "")) for p, e in rows]

    def error_rows(self, limit: int = 100) -> list[dict[str, Any]]:
        """Failed files with why: path, error, error_kind ('environment' | 'content' | None)."""
        rows = self._sql(
            "SELECT path, error, error_kind FROM files WHERE status='error' ORDER BY path "
            "LIMIT ?", (limit,),
        )  # fmt: skip
        return [
            {"path": paths.decode(p), "error": paths.decode(e or ""), "error_kind": k}
            for p, e, k in rows
        ]

    def problem_files(self, limit: int = 1000) -> list[dict[str, Any]]:
        """Failed files for the problems view: path, error, error_kind, and when the library
        first saw the file (``added_at``, seconds) and its modification time."""
        rows = self._sql(
            "SELECT path, error, error_kind, added_at, mtime_ns FROM files WHERE status='error' "
            "ORDER BY path LIMIT ?", (limit,),
        )  # fmt: skip
        return [
            {"path": paths.decode(p), "error": paths.decode(e or ""), "error_kind": k}
            | {"added_at": added, "mtime_ns": mtime}
            for p, e, k, added, mtime in rows
        ]


_UPSERT = (
    "INSERT INTO files(path, folder_id, size, mtime_ns, hash, kind, status, error, error_kind, "
    "width, height, taken_at, camera, meta, added_at, indexed_at) VALUES "
    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(path) DO UPDATE SET "
    "size=excluded.size, mtime_ns=excluded.mtime_ns, hash=excluded.hash, "
    "kind=excluded.kind, status=excluded.status, error=excluded.error, "
    "error_kind=excluded.error_kind, width=excluded.width, height=excluded.height, "
    "taken_at=excluded.taken_at, camera=excluded.camera, meta=excluded.meta, "
    "indexed_at=excluded.indexed_at, folder_id=COALESCE(files.folder_id, excluded.folder_id)"
)
