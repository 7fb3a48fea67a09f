"""Sentence embeddings of texts: one vector per (text, text encoder), stored as blobs.

A text's vector goes with it (ON DELETE CASCADE) and with every edit of it (a trigger in
schema V3), so "texts without a vector" is always the enricher's whole to-do list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mmdesk.store import vectors
from mmdesk.store.base import StoreBase


@dataclass(frozen=True)
class TextVectors:
    """Every present item's text vectors from one encoder, row-aligned.

    Attributes:
        text_ids: the texts' ids.
        item_ids: the item each text belongs to.
        sources: each text's source (caption, ocr, transcript, user).
        matrix: (N, dim) float32 vectors.
    """

    text_ids: np.ndarray
    item_ids: np.ndarray
    sources: np.ndarray
    matrix: np.ndarray


class TextVectorsMixin(StoreBase):
    """Find texts lacking vectors, store vectors, load them for search."""

    def texts_without_vectors(self, encoder_id: str, limit: int) -> list[tuple[int, str]]:
        """(text id, text) of present items' texts that ``encoder_id`` has not embedded."""
        rows = self._sql(
            "SELECT t.id, t.text FROM texts t JOIN items i ON i.id=t.item_id "
            "JOIN files f ON f.id=i.file_id AND f.status='indexed' "
            "WHERE NOT EXISTS (SELECT 1 FROM text_embeddings e WHERE e.text_id=t.id AND "
            "e.encoder=?) ORDER BY t.id LIMIT ?",
            (encoder_id, limit),
        )
        return [(int(i), str(t)) for i, t in rows]

    def put_text_vectors(
        self, text_ids: Sequence[int], encoder_id: str, matrix: np.ndarray, dtype: str = "float32"
    ) -> None:
        """Store one row of ``matrix`` per text (replacing old ones), in one transaction."""
        rows = [
            (int(t), encoder_id, dtype, vectors.to_blob(v, dtype))
            for t, v in zip(text_ids, matrix, strict=True)
        ]
        with self._write():
            self._many(
                "INSERT OR REPLACE INTO text_embeddings(text_id, encoder, dtype, vector) "
                "SELECT ?,?,?,? WHERE EXISTS (SELECT 1 FROM texts WHERE id=?)",
                [(*r, r[0]) for r in rows],  # a text deleted meanwhile gets no orphan vector
            )
            self._changed()

    def load_text_vectors(self, encoder_id: str, dim: int) -> TextVectors:
        """All present items' text vectors from ``encoder_id`` (one query, no sorting)."""
        rows = self._sql(
            "SELECT e.text_id, t.item_id, t.source, e.dtype, e.vector FROM text_embeddings e "
            "JOIN texts t ON t.id=e.text_id JOIN items i ON i.id=t.item_id "
            "JOIN files f ON f.id=i.file_id WHERE e.encoder=? AND f.status='indexed'",
            (encoder_id,),
        ).fetchall()
        matrix = np.zeros((len(rows), dim), np.float32)
        for dtype in {r[3] for r in rows}:
            at = [n for n, r in enumerate(rows) if r[3] == dtype]
            matrix[at] = vectors.stack_blobs([rows[n][4] for n in at], dtype, dim)
        return TextVectors(
            np.fromiter((r[0] for r in rows), np.int64, len(rows)),
            np.fromiter((r[1] for r in rows), np.int64, len(rows)),
            np.array([r[2] for r in rows], dtype=object),
            matrix,
        )

    def text_vector_count(self, encoder_id: str) -> int:
        """How many texts ``encoder_id`` has embedded."""
        return int(
            self.scalar("SELECT COUNT(*) FROM text_embeddings WHERE encoder=?", (encoder_id,)) or 0
        )
