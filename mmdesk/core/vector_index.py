"""Nearest-neighbour search behind one small interface: exact for a small space, the
persistent ANN index (:mod:`mmdesk.core.ann`) for a big one, used alike by every search."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from mmdesk.store.vectors import normalise

if TYPE_CHECKING:
    from mmdesk.core.ann.space import AnnSpace

SAMPLE = 20_000  # rows an ANN index offers as ``matrix`` (library statistics, not search)


class VectorIndex(Protocol):
    """Cosine top-k over one space's item vectors."""

    @property
    def ids(self) -> np.ndarray:
        """The item ids held (int64)."""
        ...

    @property
    def matrix(self) -> np.ndarray:
        """Unit rows for library statistics: all of them (exact) or a sample (ANN)."""
        ...

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(item ids, scores) best first; ``allowed`` is a boolean mask over ``ids``."""
        ...

    def search_ids(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(item ids, scores) best first; ``allowed``: sorted int64 item ids. ``k`` results
        whenever ``k`` allowed items have vectors."""
        ...

    def vector(self, item_id: int) -> np.ndarray | None:
        """The item's unit vector, or None."""
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

    def search_ids(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        mask = None if allowed is None else np.isin(self.ids, allowed)
        return self.search(query, k, mask)

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


class BackendIndex:
    """A persistent backend (the local ANN file, a Milvus collection) as a
    :class:`VectorIndex`: one per store generation. The backend needs ``count``, ``ids``,
    ``vectors(ids)`` and ``search(query, k, allowed_ids)``."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend

    def __len__(self) -> int:
        return int(self.backend.count())

    @cached_property
    def ids(self) -> np.ndarray:
        return np.asarray(self.backend.ids())

    @cached_property
    def matrix(self) -> np.ndarray:
        """A sample of the rows (library statistics such as calibration, not search)."""
        step = max(1, len(self.ids) // SAMPLE)
        return np.asarray(self.backend.vectors(self.ids[::step])[1])

    def vector(self, item_id: int) -> np.ndarray | None:
        keys, rows = self.backend.vectors(np.array([item_id], np.int64))
        return rows[0] if len(keys) else None

    def search_ids(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        ids, scores = self.backend.search(query, k, allowed)
        return ids, scores

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        return self.search_ids(query, k, None if allowed is None else self.ids[allowed])


class AnnIndex(BackendIndex):
    """A space's local ANN index as a :class:`VectorIndex`."""

    def __init__(self, space: AnnSpace) -> None:
        assert space.backend is not None
        super().__init__(space.backend)
