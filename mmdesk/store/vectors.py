"""Vector <-> blob conversion. Vectors are stored little-endian: float32, float16, float16z
(the default for new writes: float16 values exactly, packed smaller), or int8 (a float32 scale,
then the rounded components: about half of float16's bytes, but recall@10 against float32 drops
to 0.97-0.99 on a real corpus, see bench/scale.py).

float16z is lossless: the high byte of each float16 (sign, exponent, two mantissa bits) is
deflated, the low byte (random mantissa bits) is kept as it is. A 512-d unit vector takes ~900
bytes instead of 1,024, which lets a 4 KiB SQLite page hold four rows instead of three.
"""

from __future__ import annotations

import zlib

import numpy as np

DTYPES: dict[str, np.dtype] = {"float32": np.dtype("<f4"), "float16": np.dtype("<f2")}


INT8 = "int8"
FLOAT16Z = "float16z"


def to_blob(vector: np.ndarray, dtype: str = "float32") -> bytes:
    """Encode one vector as a blob of the given dtype."""
    if dtype == FLOAT16Z:
        pairs = np.ascontiguousarray(vector, dtype="<f2").view(np.uint8).reshape(-1, 2)
        # raw deflate (no header), Huffman codes only: these bytes repeat no strings
        packer = zlib.compressobj(1, zlib.DEFLATED, -15, 9, zlib.Z_HUFFMAN_ONLY)
        high = packer.compress(pairs[:, 1].tobytes()) + packer.flush()
        return high + pairs[:, 0].tobytes()
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
    if dtype == FLOAT16Z:
        return _unpacked([blob])[0].astype(np.float32)
    return np.frombuffer(blob, dtype=DTYPES[dtype]).astype(np.float32)


def stack_blobs(blobs: list[bytes], dtype: str, dim: int) -> np.ndarray:
    """Decode many blobs of one dtype into an (N, dim) float32 matrix without a Python loop."""
    if not blobs:
        return np.zeros((0, dim), dtype=np.float32)
    if dtype == INT8:
        raw = np.frombuffer(b"".join(blobs), np.uint8).reshape(len(blobs), dim + 4)
        scales = raw[:, :4].copy().view("<f4")
        return raw[:, 4:].view(np.int8).astype(np.float32) * scales
    if dtype == FLOAT16Z:
        return _unpacked(blobs).reshape(len(blobs), dim).astype(np.float32)
    raw = np.frombuffer(b"".join(blobs), dtype=DTYPES[dtype])
    return raw.reshape(len(blobs), dim).astype(np.float32)


def _unpacked(blobs: list[bytes]) -> np.ndarray:
    """float16 rows (n, dim) from float16z blobs: the deflated high bytes, then the low."""
    highs, lows = [], []
    for blob in blobs:
        unpacker = zlib.decompressobj(-15)
        highs.append(unpacker.decompress(blob))
        lows.append(unpacker.unused_data)
    dim = len(highs[0])
    if any(len(h) != dim or len(lo) != dim for h, lo in zip(highs, lows, strict=True)):
        raise ValueError("float16z blobs of different lengths in one batch")
    pairs = np.empty((len(blobs), dim, 2), np.uint8)
    pairs[:, :, 1] = np.frombuffer(b"".join(highs), np.uint8).reshape(len(blobs), dim)
    pairs[:, :, 0] = np.frombuffer(b"".join(lows), np.uint8).reshape(len(blobs), dim)
    return pairs.reshape(len(blobs), 2 * dim).view("<f2")


def normalise(matrix: np.ndarray) -> np.ndarray:
    """L2-normalise rows; zero rows stay zero."""
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return (matrix / np.maximum(norms, 1e-12)).astype(np.float32)
