"""Embeddings: one vector per (item, encoder), stored as blobs (see vectors.py).

New vectors are float16z by default: float16 values exactly (recall@10 against float32 is
reported by ``bench/scale.py``), packed to ~900 bytes for 512 dimensions (see vectors.py).
Every write and delete is also noted in ``embedding_log`` (schema V5 triggers; V6 adds a file's
path, kind or date changing), which lets a derived search index catch up without reloading a
space.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

import numpy as np

from mmdesk.store import vectors
from mmdesk.store.base import StoreBase
from mmdesk.store.filters import WHEN

# Bytes a 512-d vector costs in the database (its row, the table's two indexes, the change-log
# entry; bench/scale.py) and exact recall@10 vs float32. A 1,024-byte float16 row is ~1,060
# bytes with its key, so a 4 KiB page holds three (1,365 bytes each); float16z rows (~920)
# fit four. int8 misses recall 0.99 on a real corpus's embeddings (default model, 1,618 images
# of ../shared/corpora: 0.986 text->image, 0.974 image->image; float16 0.999 / 0.998).
#   float16   1,446 B   clustered 1.000
#   float16z  see bench/scale.py's docstring; the same values as float16
#   int8        664 B   clustered 0.998, real corpus 0.974-0.986
DEFAULT_DTYPE = vectors.FLOAT16Z

_PRESENT = "JOIN items i ON i.id=e.item_id JOIN files f ON f.id=i.file_id"

# The items that carry a vector of each modality: pictures (photos and video frames) in the
# image space; a sound in the audio space only as a whole track (start NULL): the timed
# segments of a transcript are found through their texts.
EMBEDDED: dict[str, str] = {
    "image": "i.kind IN ('image', 'video_frame')",
    "audio": "(i.kind = 'audio_segment' AND i.start IS NULL)",
    "text": "0",
}


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


class EmbeddingsMixin(StoreBase):
    """Write, read, count and delete vectors."""

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
        """Register an encoder (a plugin's model) before its vectors are written."""
        with self._write():
            self._sql(
                "INSERT INTO encoders(id, space, modality, dim, plugin, version, first_seen) "
                "VALUES (?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET version=excluded.version",
                (encoder_id, space, modality, dim, plugin, version, time.time()),
            )

    def put_embeddings(
        self, item_ids: list[int], encoder_id: str, matrix: np.ndarray, dtype: str = DEFAULT_DTYPE
    ) -> None:
        """Store one row of ``matrix`` per item under ``encoder_id`` (replacing old ones)."""
        self.put_embedding_rows(((i, encoder_id, v) for i, v in zip(item_ids, matrix)), dtype)

    def put_embedding_rows(
        self, rows: Iterable[tuple[int, str, np.ndarray]], dtype: str = DEFAULT_DTYPE
    ) -> None:
        """Store a whole batch, any mix of encoders, as ``(item id, encoder id, vector)``: one
        executemany statement, one change mark for the transaction."""
        blobs = [(i, e, dtype, vectors.to_blob(v, dtype)) for i, e, v in rows]
        with self._write():
            self._many(
                "INSERT OR REPLACE INTO embeddings(item_id, encoder, dtype, vector) "
                "VALUES (?,?,?,?)",
                blobs,
            )
            self._changed()

    def delete_embeddings(self, encoder_ids: Iterable[str]) -> int:
        """Forget every vector of these encoders (`models remove`); returns rows removed."""
        ids = list(encoder_ids)
        if not ids:
            return 0
        with self._write():
            cur = self._sql(f"DELETE FROM embeddings WHERE encoder IN ({_marks(ids)})", ids)
            self._changed()
        return cur.rowcount

    def has_embeddings(self, file_id: int, encoder_ids: Iterable[str]) -> bool:
        """Whether the file has items and each item that an encoder embeds (by its modality)
        has a vector from it."""
        if not self.scalar("SELECT COUNT(*) FROM items WHERE file_id=?", (file_id,)):
            return False
        for encoder_id in encoder_ids:
            missing = self.scalar(
                "SELECT COUNT(*) FROM items i LEFT JOIN embeddings e ON e.item_id=i.id AND "
                f"e.encoder=? WHERE i.file_id=? AND {self._embedded(encoder_id)} "
                "AND e.item_id IS NULL",
                (encoder_id, file_id),
            )
            if missing:
                return False
        return True

    def _embedded(self, encoder_id: str) -> str:
        """The SQL condition on ``i`` for the items the encoder embeds (by its modality;
        image for an encoder not registered yet)."""
        modality = self.scalar("SELECT modality FROM encoders WHERE id=?", (encoder_id,))
        return EMBEDDED.get(str(modality or "image"), EMBEDDED["image"])

    def complete_files(self, encoder_id: str) -> set[int]:
        """Ids of files none of whose items that the encoder embeds lacks its vector (the
        planner skips them): a video without sound is complete for a sound encoder, a photo
        for any audio encoder. Only files with items count."""
        rows = self._sql(
            "SELECT f.id FROM files f WHERE EXISTS (SELECT 1 FROM items i WHERE i.file_id=f.id)"
            " AND NOT EXISTS (SELECT 1 FROM items i LEFT JOIN embeddings e ON e.item_id=i.id "
            f"AND e.encoder=? WHERE i.file_id=f.id AND {self._embedded(encoder_id)} "
            "AND e.item_id IS NULL)",
            (encoder_id,),
        )
        return {int(r[0]) for r in rows}

    def coverage(self, encoder_ids: list[str], modality: str = "image") -> tuple[int, int]:
        """(present items of the modality with a vector from any of the encoders, present
        items that the modality embeds)."""
        embedded = EMBEDDED.get(modality, EMBEDDED["image"])
        total = self.scalar(
            "SELECT COUNT(*) FROM items i JOIN files f ON f.id=i.file_id "
            f"WHERE f.status='indexed' AND {embedded}"
        )
        if not encoder_ids:
            return 0, int(total or 0)
        have = self.scalar(
            f"SELECT COUNT(DISTINCT e.item_id) FROM embeddings e {_PRESENT} "
            f"WHERE f.status='indexed' AND {embedded} AND e.encoder IN ({_marks(encoder_ids)})",
            encoder_ids,
        )
        return int(have or 0), int(total or 0)

    def embedding_counts(self) -> dict[str, int]:
        """Vectors per encoder id."""
        rows = self._sql("SELECT encoder, COUNT(*) FROM embeddings GROUP BY encoder")
        return {str(k): int(n) for k, n in rows}

    def load_embeddings(
        self, encoder_ids: list[str], dim: int, item_ids: Iterable[int] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(item ids, float32 matrix) of all present items embedded by any of the encoders,
        or of those among ``item_ids``."""
        where = f"e.encoder IN ({_marks(encoder_ids)}) AND f.status='indexed'"
        sql = f"SELECT e.item_id, e.dtype, e.vector FROM embeddings e {_PRESENT} WHERE {where}"
        if item_ids is None:
            rows = self._sql(sql, encoder_ids).fetchall()  # no ORDER BY: it sorts every blob
        else:
            wanted, rows = sorted(set(item_ids)), []
            for at in range(0, len(wanted), 500):
                part = wanted[at : at + 500]
                rows += self._sql(
                    f"{sql} AND e.item_id IN ({_marks(part)})", [*encoder_ids, *part]
                ).fetchall()
        return _decoded(rows, dim)

    def embeddings_after(
        self, encoder_ids: list[str], dim: int, after_item: int, limit: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """The next ``limit`` present vectors by item id after ``after_item``: a resumable
        scan of a whole space (an index build)."""
        rows = self._sql(  # CROSS JOIN and +encoder: walk the primary key in order, no sort
            "SELECT e.item_id, e.dtype, e.vector FROM embeddings e "
            "CROSS JOIN items i ON i.id=e.item_id CROSS JOIN files f ON f.id=i.file_id "
            f"WHERE e.item_id > ? AND +e.encoder IN ({_marks(encoder_ids)}) "
            "AND f.status='indexed' ORDER BY e.item_id LIMIT ?",
            (after_item, *encoder_ids, limit),
        ).fetchall()
        return _decoded(rows, dim)

    def count_embedded(self, encoder_ids: list[str]) -> int:
        """How many present items have a vector from any of the encoders."""
        return int(
            self.scalar(
                f"SELECT COUNT(DISTINCT e.item_id) FROM embeddings e {_PRESENT} "
                f"WHERE e.encoder IN ({_marks(encoder_ids)}) AND f.status='indexed'",
                encoder_ids,
            )
            or 0
        )

    def embedding_log_seq(self) -> int:
        """The newest entry of the vectors' change log (0: none yet), pruned or not."""
        return int(
            self.scalar(
                "SELECT COALESCE((SELECT MAX(seq) FROM embedding_log), "
                "(SELECT seq FROM sqlite_sequence WHERE name='embedding_log'), 0)"
            )
        )

    def embedding_log_id(self) -> str:
        """A random id made with this database's change log (a derived index names it)."""
        found = self.scalar("SELECT id FROM embedding_log_id") if self._has_log_id() else None
        return str(found or "")

    def _has_log_id(self) -> bool:
        """Libraries made by an early build of schema V5 lack the id table (treated as '')."""
        return bool(self.scalar("SELECT 1 FROM sqlite_master WHERE name='embedding_log_id'"))

    def embedding_log_covers(self, after_seq: int) -> bool:
        """Whether every change after ``after_seq`` is still in the log (not pruned)."""
        first = self.scalar("SELECT MIN(seq) FROM embedding_log")
        if first is None:
            last = self.scalar("SELECT seq FROM sqlite_sequence WHERE name='embedding_log'")
            return after_seq >= int(last or 0)
        return int(first) <= after_seq + 1

    def prune_embedding_log(self, upto_seq: int, chunk: int = 100_000) -> int:
        """Forget log entries up to ``upto_seq`` (every index on disk reflects them; a
        missing or older index is rebuilt from the vectors, not from the log), ``chunk``
        entries a transaction, so the indexer's writes never wait long."""
        removed = 0
        while True:
            first = self.scalar("SELECT MIN(seq) FROM embedding_log")
            if first is None or int(first) > upto_seq:
                return removed
            with self._write():
                removed += self._sql(
                    "DELETE FROM embedding_log WHERE seq <= ?", (min(upto_seq, first + chunk),)
                ).rowcount

    def embedding_changes(
        self, encoder_ids: list[str], after_seq: int, *, meta: bool = False
    ) -> tuple[list[int], int]:
        """(items whose vectors of these encoders, or whose presence, changed after
        ``after_seq``; the newest seq read). ``meta``: also items whose file's path, kind or
        dates changed (what filters read, not the vectors)."""
        upto = self.embedding_log_seq()
        rows = self._sql(
            "SELECT DISTINCT item_id FROM embedding_log WHERE seq > ? AND seq <= ? "
            f"AND encoder IN ({_marks(encoder_ids)})" + ("" if meta else " AND op != 'meta'"),
            (after_seq, upto, *encoder_ids),
        )
        return [int(r[0]) for r in rows], upto

    def item_facets(
        self, item_ids: Iterable[int] | None = None, *, after_item: int = 0, limit: int = 0
    ) -> tuple[np.ndarray, list[str], list[str]]:
        """(item ids, file kinds, dates) of the present items among ``item_ids``, or of the
        next ``limit`` after ``after_item`` in id order (a whole library a chunk at a time):
        what the kind and date filters read (the date as the filters compare it, ``WHEN``)."""
        sql = (
            f"SELECT i.id, f.kind, {WHEN} FROM items i CROSS JOIN files f ON f.id=i.file_id "
            "WHERE f.status='indexed'"
        )
        if item_ids is None:
            rows = self._sql(
                f"{sql} AND i.id > ? ORDER BY i.id LIMIT ?", (after_item, limit or -1)
            ).fetchall()
        else:
            wanted, rows = sorted(set(item_ids)), []
            for at in range(0, len(wanted), 500):
                part = wanted[at : at + 500]
                rows += self._sql(f"{sql} AND i.id IN ({_marks(part)})", part).fetchall()
        ids = np.fromiter((r[0] for r in rows), np.int64, len(rows))
        return ids, [str(r[1]) for r in rows], [str(r[2] or "") for r in rows]

    def item_vector(self, item_id: int, encoder_ids: list[str]) -> np.ndarray | None:
        """The item's vector from the first of the encoders that has one, or None."""
        row = self._sql(
            f"SELECT dtype, vector FROM embeddings WHERE item_id=? AND encoder IN "
            f"({_marks(encoder_ids)})",
            (item_id, *encoder_ids),
        ).fetchone()
        return vectors.from_blob(row[1], row[0]) if row else None


def _decoded(rows: list[tuple[int, str, bytes]], dim: int) -> tuple[np.ndarray, np.ndarray]:
    """(item ids, float32 matrix) from (item id, dtype, blob) rows of any dtypes."""
    ids = np.fromiter((r[0] for r in rows), np.int64, len(rows))
    dtypes = {r[1] for r in rows}
    if len(dtypes) <= 1:
        return ids, vectors.stack_blobs([r[2] for r in rows], next(iter(dtypes), "float32"), dim)
    matrix = np.empty((len(rows), dim), np.float32)
    for dtype in dtypes:
        at = [n for n, r in enumerate(rows) if r[1] == dtype]
        matrix[at] = vectors.stack_blobs([rows[n][2] for n in at], dtype, dim)
    return ids, matrix
