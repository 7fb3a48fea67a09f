"""Exact top-k over a few rows: the reference the ANN paths fall back to and merge with."""

from __future__ import annotations

import numpy as np

Hits = tuple[np.ndarray, np.ndarray]


def none() -> Hits:
    """No results."""
    return np.zeros(0, np.int64), np.zeros(0, np.float32)


def exact_top(keys: np.ndarray, rows: np.ndarray, query: np.ndarray, k: int) -> Hits:
    """(keys, cosine scores) of the ``k`` best rows, best first; rows are unit length (any
    float dtype: float16 rows are scored in float32 blocks) and ``query`` is unit length."""
    if len(keys) == 0 or k <= 0:
        return none()
    scores = np.empty(len(keys), np.float32)
    for start in range(0, len(keys), 65536):
        block = np.asarray(rows[start : start + 65536], np.float32)
        scores[start : start + len(block)] = block @ query
    k = min(k, len(scores))
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    return np.asarray(keys, np.int64)[top], scores[top]


def merge_top(parts: list[Hits], k: int) -> Hits:
    """The ``k`` best of several disjoint result lists."""
    keys = np.concatenate([p[0] for p in parts])
    scores = np.concatenate([p[1] for p in parts]).astype(np.float32)
    order = np.argsort(-scores, kind="stable")[:k]
    return keys[order].astype(np.int64), scores[order]
