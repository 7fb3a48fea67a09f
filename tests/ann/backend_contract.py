"""Contract checks every ``VectorBackend`` must pass (the local ANN file and a server alike).

Not a test module itself: a backend's tests call ``check_backend(make)`` where ``make(dim)``
returns a fresh, empty backend, and optionally ``reopen(backend)`` closes one and opens it again
on the same storage (``tests/ann/test_ann_backend.py`` shows both).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mmdesk.core.ann.backend import VectorBackend

DIM = 32


def clustered(n: int, dim: int = DIM, clusters: int = 20, seed: int = 0) -> np.ndarray:
    """Unit vectors around ``clusters`` random centres: the shape of real embeddings."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim)).astype(np.float32)
    rows = centres[rng.integers(0, clusters, n)] + 0.35 * rng.normal(size=(n, dim))
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def exact_top(ids: np.ndarray, matrix: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    """The reference answer: item ids of the k best cosine scores."""
    return ids[np.argsort(-(matrix @ query), kind="stable")[:k]]


def _filled(
    make: Callable[[int], VectorBackend], n: int = 600
) -> tuple[VectorBackend, np.ndarray, np.ndarray]:
    backend = make(DIM)
    ids = np.arange(1000, 1000 + 2 * n, 2, dtype=np.int64)  # sparse ids, not row numbers
    matrix = clustered(n)
    backend.upsert(ids, matrix)
    return backend, ids, matrix


def check_empty(make: Callable[[int], VectorBackend]) -> None:
    backend = make(DIM)
    try:
        assert backend.count() == 0
        assert len(backend.ids()) == 0
        found, scores = backend.search(clustered(1)[0], 5)
        assert len(found) == 0 and len(scores) == 0
    finally:
        backend.close()


def check_upsert_and_search(make: Callable[[int], VectorBackend]) -> None:
    backend, ids, matrix = _filled(make)
    try:
        assert backend.count() == len(ids)
        assert np.array_equal(np.sort(np.asarray(backend.ids(), np.int64)), ids)
        found, scores = backend.search(matrix[7], 10)
        assert np.asarray(found).dtype == np.int64 and np.asarray(scores).dtype == np.float32
        assert len(found) == 10 and int(found[0]) == int(ids[7])
        assert abs(float(scores[0]) - 1.0) < 1e-2
        assert np.all(np.diff(scores) <= 1e-6), "scores best first"
        hits = [
            len(
                set(backend.search(q, 10)[0].tolist()) & set(exact_top(ids, matrix, q, 10).tolist())
            )
            for q in clustered(20, seed=9)
        ]
        assert sum(hits) / 200 >= 0.95, "recall@10 against exact search"
    finally:
        backend.close()


def check_replace_and_remove(make: Callable[[int], VectorBackend]) -> None:
    backend, ids, matrix = _filled(make)
    try:
        backend.upsert(ids[:1], matrix[100:101])  # item ids[0] now looks like ids[100]
        assert backend.count() == len(ids)
        found, _ = backend.search(matrix[100], 2)
        assert set(found.tolist()) == {int(ids[0]), int(ids[100])}
        gone = ids[::3]
        backend.remove(np.concatenate([gone, np.array([7, 9], np.int64)]))  # unknown ids ignored
        assert backend.count() == len(ids) - len(gone)
        assert not set(np.asarray(backend.ids()).tolist()) & set(gone.tolist())
        for q in matrix[::3][:10]:
            assert not set(backend.search(q, 10)[0].tolist()) & set(gone.tolist())
        backend.remove(ids)
        assert backend.count() == 0 and len(backend.search(matrix[1], 3)[0]) == 0
    finally:
        backend.close()


def check_filtered(make: Callable[[int], VectorBackend]) -> None:
    backend, ids, matrix = _filled(make)
    try:
        few = np.sort(ids[[3, 50, 400]])
        found, scores = backend.search(matrix[0], 10, few)
        assert sorted(found.tolist()) == few.tolist(), "every allowed item, even far ones"
        half = np.sort(ids[1::2])
        for q in matrix[:5]:
            found, _ = backend.search(q, 10, half)
            assert len(found) == 10 and set(found.tolist()) <= set(half.tolist())
            want = exact_top(ids[1::2], matrix[1::2], q, 10)
            assert len(set(found.tolist()) & set(want.tolist())) >= 9
        assert len(backend.search(matrix[0], 10, np.zeros(0, np.int64))[0]) == 0
    finally:
        backend.close()


def check_reopen(
    make: Callable[[int], VectorBackend], reopen: Callable[[VectorBackend], VectorBackend]
) -> None:
    backend, ids, matrix = _filled(make)
    backend.remove(ids[:10])
    backend = reopen(backend)
    try:
        assert backend.count() == len(ids) - 10
        assert int(backend.search(matrix[20], 1)[0][0]) == int(ids[20])
        assert not set(backend.search(matrix[0], 10)[0].tolist()) & set(ids[:10].tolist())
    finally:
        backend.close()


def check_backend(
    make: Callable[[int], VectorBackend],
    reopen: Callable[[VectorBackend], VectorBackend] | None = None,
) -> None:
    """Run every contract check; ``make(dim)`` gives a fresh empty backend each call."""
    check_empty(make)
    check_upsert_and_search(make)
    check_replace_and_remove(make)
    check_filtered(make)
    if reopen is not None:
        check_reopen(make, reopen)
