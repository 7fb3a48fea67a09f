"""Nearest-neighbour search behind one small interface, so an approximate index can slot in."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from mmdesk.store.vectors import normalise


class VectorIndex(Protocol):
    """Cosine top-k over a fixed set of item vectors."""

    ids: np.ndarray

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(item ids, scores) best first; ``allowed`` is a boolean mask over ``ids``."""
        ...

    def __len__(self) -> int: ...


class ExactIndex:
    """Exact search with one matrix product over L2-normalised float32 rows."""

    def __init__(self, ids: np.ndarray, matrix: np.ndarray) -> None:
        self.ids = np.asarray(ids, dtype=np.int64)
        self.matrix = np.asarray(matrix, dtype=np.float32)
        norms = np.linalg.norm(self.matrix, axis=1, keepdims=True)
        self.matrix /= np.maximum(norms, 1e-12)  # in place: no second copy of a big matrix

    def __len__(self) -> int:
        return len(self.ids)

    def vector(self, item_id: int) -> np.ndarray | None:
        rows = np.flatnonzero(self.ids == int(item_id))
        return self.matrix[rows[0]] if len(rows) else None

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        if len(self.ids) == 0 or k <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        scores = self.matrix @ normalise(np.asarray(query, np.float32).reshape(1, -1))[0]
        if allowed is not None:
            scores = np.where(allowed, scores, -np.inf)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        top = top[np.isfinite(scores[top])]
        return self.ids[top], scores[top].astype(np.float32)
