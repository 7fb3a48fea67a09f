"""Vector <-> blob conversion. Vectors are stored little-endian: float32, float16 (the default
for new writes), or int8 (a float32 scale, then the rounded components: about half of float16's
bytes, for libraries where disk matters more than the last digit of a score)."""

from __future__ import annotations

import numpy as np

DTYPES: dict[str, np.dtype] = {"float32": np.dtype("<f4"), "float16": np.dtype("<f2")}


INT8 = "int8"


def to_blob(vector: np.ndarray, dtype: str = "float32") -> bytes:
    """Encode one vector as a blob of the given dtype."""
    if dtype == INT8:
        values = np.asarray(vector, np.float32)
        scale = np.float32(max(float(np.abs(values).max(initial=0.0)), 1e-12) / 127.0)
        codes = np.clip(np.rint(values / scale), -127, 127).astype(np.int8)
        return np.array([scale], "<f4").tobytes() + codes.tobytes()
    return np.ascontiguousarray(vector, dtype=DTYPES[dtype]).tobytes()


def from_blob(blob: bytes, dtype: str) -> np.ndarray:
    """Decode one blob to a float32 vector."""
    if dtype == INT8:
        return stack_blobs([blob], dtype, len(blob) - 4)[0]
    return np.frombuffer(blob, dtype=DTYPES[dtype]).astype(np.float32)


def stack_blobs(blobs: list[bytes], dtype: str, dim: int) -> np.ndarray:
    """Decode many blobs of one dtype into an (N, dim) float32 matrix without a Python loop."""
    if not blobs:
        return np.zeros((0, dim), dtype=np.float32)
    if dtype == INT8:
        raw = np.frombuffer(b"".join(blobs), np.uint8).reshape(len(blobs), dim + 4)
        scales = raw[:, :4].copy().view("<f4")
        return raw[:, 4:].view(np.int8).astype(np.float32) * scales
    raw = np.frombuffer(b"".join(blobs), dtype=DTYPES[dtype])
    return raw.reshape(len(blobs), dim).astype(np.float32)


def normalise(matrix: np.ndarray) -> np.ndarray:
    """L2-normalise rows; zero rows stay zero."""
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return (matrix / np.maximum(norms, 1e-12)).astype(np.float32)
