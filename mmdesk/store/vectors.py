"""Vector <-> blob conversion. Vectors are stored little-endian, float32 or float16."""

from __future__ import annotations

import numpy as np

DTYPES: dict[str, np.dtype] = {"float32": np.dtype("<f4"), "float16": np.dtype("<f2")}


def to_blob(vector: np.ndarray, dtype: str = "float32") -> bytes:
    """Encode one vector as a blob of the given dtype."""
    return np.ascontiguousarray(vector, dtype=DTYPES[dtype]).tobytes()


def from_blob(blob: bytes, dtype: str) -> np.ndarray:
    """Decode one blob to a float32 vector."""
    return np.frombuffer(blob, dtype=DTYPES[dtype]).astype(np.float32)


def stack_blobs(blobs: list[bytes], dtype: str, dim: int) -> np.ndarray:
    """Decode many blobs of one dtype into an (N, dim) float32 matrix without a Python loop."""
    if not blobs:
        return np.zeros((0, dim), dtype=np.float32)
    raw = np.frombuffer(b"".join(blobs), dtype=DTYPES[dtype])
    return raw.reshape(len(blobs), dim).astype(np.float32)


def normalise(matrix: np.ndarray) -> np.ndarray:
    """L2-normalise rows; zero rows stay zero."""
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return (matrix / np.maximum(norms, 1e-12)).astype(np.float32)
