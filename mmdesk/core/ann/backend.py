"""The seam every persistent vector index fits: local ANN files and a shared server alike.

A backend holds one embedding space's vectors keyed by item id and answers cosine top-k,
optionally restricted to an allowed set of item ids. The search layer depends only on this
protocol, so a local usearch file and a Milvus collection pass the same contract tests
(``tests/ann/backend_contract.py``).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class VectorBackend(Protocol):
    """A persistent nearest-neighbour index of one space's vectors (unit-length float32)."""

    name: str

    def count(self) -> int:
        """How many item vectors the index holds."""
        ...

    def ids(self) -> np.ndarray:
        """The int64 item ids held, in no particular order."""
        ...

    def upsert(self, item_ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add or replace the vectors of ``item_ids`` (rows of ``vectors``)."""
        ...

    def remove(self, item_ids: np.ndarray) -> None:
        """Drop these items; ids not held are ignored."""
        ...

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(item ids int64, cosine scores float32) best first, at most ``k``.

        ``allowed``: sorted int64 item ids; only these may be returned, and ``k`` of them are
        returned whenever at least ``k`` allowed items are held.
        """
        ...

    def close(self) -> None:
        """Flush and release files or connections; the backend is unusable afterwards."""
        ...
