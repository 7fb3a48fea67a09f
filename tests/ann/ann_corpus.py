"""Helpers for the ANN tests: a library of synthetic clustered vectors written through the
store's own vector path (files and items inserted directly: no media needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mmdesk.core.search.vector import Searcher
from mmdesk.plugins.manifest import EncoderSpec
from mmdesk.plugins.registry import Space
from mmdesk.store import Store

ENCODER = "ann/image"


def clustered(n: int, dim: int, seed: int = 0, clusters: int = 50) -> np.ndarray:
    """Unit vectors near clusters in low-dimensional subspaces, as real embeddings lie."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    bases = rng.normal(size=(clusters, dim, 8)) / np.sqrt(8)
    which = rng.integers(0, clusters, n)
    local = np.einsum("ndk,nk->nd", bases[which], rng.normal(size=(n, 8)))
    rows = centres[which] + 0.8 * local + 0.1 * rng.normal(size=(n, dim))
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def add_items(store: Store, ids: np.ndarray, kind: str = "image") -> None:
    """One indexed file with one item per id."""
    rows = [(int(i), f"/lib/{int(i):07}.jpg", kind) for i in ids]
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO files(id, path, size, mtime_ns, kind, status, added_at)"
            " VALUES (?, ?, 1, 1, ?, 'indexed', 0)",
            rows,
        )
        conn.executemany(
            "INSERT INTO items(id, file_id, kind) VALUES (?, ?, 'image')",
            [(i, i) for i, _, _ in rows],
        )


def library(path: Path, vectors: np.ndarray, first_id: int = 1) -> Store:
    """A store holding ``vectors`` as items ``first_id, first_id + 1, ...``."""
    store = Store(path)
    store.ensure_encoder(ENCODER, space="ann", modality="image", dim=vectors.shape[1])
    put(store, vectors, first_id)
    return store


def put(store: Store, vectors: np.ndarray, first_id: int) -> np.ndarray:
    """Add items with these vectors, in indexer-sized batches; returns their ids."""
    ids = np.arange(first_id, first_id + len(vectors), dtype=np.int64)
    for at in range(0, len(ids), 5000):
        add_items(store, ids[at : at + 5000])
        store.put_embeddings(ids[at : at + 5000].tolist(), ENCODER, vectors[at : at + 5000])
    return ids


def space(dim: int, encoder: str = ENCODER) -> Space:
    spec = EncoderSpec(encoder, "ann", "image", dim, "x.onnx", Path("."), "ann", "1")
    return Space("ann", "ann", {"image": spec})


def searcher(store: Store, dim: int, encoder: str = ENCODER) -> Searcher:
    return Searcher(store, None, space(dim, encoder))  # type: ignore[arg-type]


def ready(search: Searcher) -> Searcher:
    """Wait for the background build; the next index() is the ANN one."""
    search.index()
    search.ann.wait()
    return search


def videos_of_2020(path: Path, dim: int) -> tuple[np.ndarray, Store, Searcher]:
    """3,000 clustered vectors (set ``vector.ANN_MIN`` below that first: an ANN space) whose
    files are 1 in 20 a video and 1 in 3 from 2020; returns (rows, store, its searcher) once
    the index and its kind/date facets are ready."""
    from mmdesk.core.vector_index import AnnIndex

    rows = clustered(3000, dim)
    store = library(path, rows)
    with store.transaction() as conn:
        conn.execute("UPDATE files SET kind='video' WHERE id % 20 = 0")
        conn.execute("UPDATE files SET taken_at='2020-03-01T00:00:00' WHERE id % 3 = 0")
    search = ready(searcher(store, dim))
    assert isinstance(search.index(), AnnIndex)
    search.facets.wait()
    assert search.facets.ready
    return rows, store, search
