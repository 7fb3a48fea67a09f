"""Grouping faces into people by their embeddings, without ever holding all pairs at once.

dlib's face embeddings put two photos of one person within 0.6 (euclidean) of each other. A
new face joins the person of its nearest already-placed face when that face is within the
threshold (incremental: what indexing does after every pass). Faces that join nobody are
linked to each other when within the threshold and each connected group becomes a new
person. A full re-cluster does the same from scratch, except for the faces a person placed by
hand (pinned) and those of named people, which stay where they are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BLOCK = 1024  # rows of the distance matrix computed at a time


@dataclass
class Grouping:
    """What clustering decided: faces joining existing people, and new groups of faces."""

    joined: list[tuple[int, int]]  # (face id, person id)
    groups: list[list[int]]  # face ids of each new person


def nearest(queries: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each query row, the index of the nearest key row and its euclidean distance."""
    if not len(keys) or not len(queries):
        return np.zeros(len(queries), np.int64), np.full(len(queries), np.inf, np.float32)
    rows, dists = [], []
    key_sq = (keys * keys).sum(1)
    for start in range(0, len(queries), BLOCK):
        block = queries[start : start + BLOCK]
        sq = (block * block).sum(1)[:, None] + key_sq[None, :] - 2.0 * block @ keys.T
        best = sq.argmin(1)
        rows.append(best)
        dists.append(np.sqrt(np.maximum(sq[np.arange(len(block)), best], 0.0)))
    return np.concatenate(rows), np.concatenate(dists).astype(np.float32)


def components(vectors: np.ndarray, threshold: float) -> list[list[int]]:
    """Row indices grouped by links of distance under ``threshold`` (union-find)."""
    parent = np.arange(len(vectors))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    sq_norms = (vectors * vectors).sum(1)
    for start in range(0, len(vectors), BLOCK):
        block = vectors[start : start + BLOCK]
        sq = sq_norms[start : start + BLOCK, None] + sq_norms[None, :] - 2.0 * block @ vectors.T
        for a, b in zip(*np.nonzero(sq < threshold * threshold), strict=True):
            ra, rb = root(start + int(a)), root(int(b))
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for i in range(len(vectors)):
        groups.setdefault(root(i), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])


def place(
    face_ids: np.ndarray, person_ids: np.ndarray, matrix: np.ndarray, threshold: float
) -> Grouping:
    """Place the faces without a person (``person_ids`` -1) among the others, or in new groups.

    Args:
        face_ids: int64 (N,) face ids.
        person_ids: int64 (N,) each face's person, -1 for the faces to place.
        matrix: float32 (N, dim) embeddings.
        threshold: the euclidean distance under which two faces are one person's.
    """
    loose = person_ids < 0
    placed = ~loose
    rows, dists = nearest(matrix[loose], matrix[placed])
    owners = person_ids[placed][rows] if placed.any() else np.full(len(rows), -1, np.int64)
    joins = dists < threshold
    loose_ids = face_ids[loose]
    joined = [(int(f), int(p)) for f, p in zip(loose_ids[joins], owners[joins], strict=True)]
    rest = np.flatnonzero(~joins)
    groups = [
        [int(loose_ids[rest[i]]) for i in group]
        for group in components(matrix[loose][rest], threshold)
    ]
    return Grouping(joined, groups)
