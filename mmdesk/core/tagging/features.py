"""The inputs of a tag classifier: each item's embedding per modality, and a mask of which
modalities it has.

Training (``mmdesk/train``) and prediction must see the same inputs, so both gather them here.
Modality ``image`` is the item's image (or frame) vector of the classifier's space; ``audio``
its sound vector in that space; ``caption``, ``ocr`` and ``transcript`` the mean sentence
embedding of the item's texts of that source by the text encoder the classifier was trained
with; ``face`` the embedding of the item's largest face (the photo's subject: a tag such as
"Grandpa" learns who it is from a few photos). An item that lacks a modality has it masked out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mmdesk.plugins.registry import Registry
from mmdesk.store import Store
from mmdesk.store.text_vectors import TextVectors

# Modality name -> the item modality of the space's encoder that supplies it.
SPACE_ENCODED = {"image": "image", "audio": "audio"}
# Modality name -> the texts' source whose sentence embeddings supply it.
TEXT_MODALITIES = {"caption": "caption", "ocr": "ocr", "transcript": "transcript"}
# The face modality: the largest face's embedding (dlib's 128-d face vectors).
FACE_MODALITY, FACE_DIM = "face", 128


@dataclass
class Features:
    """Classifier inputs of N items.

    Attributes:
        item_ids: int64 (N,), the items in row order.
        arrays: modality -> float32 (N, dim); zeros where the item lacks it.
        mask: float32 (N, M), 1 where the item has the modality, in ``modalities`` order.
        modalities: the column order of ``mask``.
    """

    item_ids: np.ndarray
    arrays: dict[str, np.ndarray]
    mask: np.ndarray
    modalities: tuple[str, ...]

    def rows(self, start: int, stop: int) -> Features:
        """A batch of consecutive rows."""
        return Features(
            self.item_ids[start:stop],
            {m: a[start:stop] for m, a in self.arrays.items()},
            self.mask[start:stop],
            self.modalities,
        )


def encoder_ids(registry: Registry, space: str, modality: str) -> list[str]:
    """The encoders whose vectors feed ``modality`` of a classifier of ``space``."""
    found = registry.spaces().get(space)
    source = SPACE_ENCODED.get(modality)
    return [] if found is None or source is None else found.encoder_ids(source)


def load_features(
    store: Store,
    registry: Registry,
    space: str,
    dims: dict[str, int],
    item_ids: list[int] | None = None,
    *,
    text_encoder: str | None = None,
) -> Features:
    """The inputs of present items that have at least one modality (all, or ``item_ids``).

    Args:
        store: the library's store.
        registry: the plugin registry, to find the encoders of ``space``.
        space: the image space the classifier was trained on.
        dims: modality -> vector width, in the classifier's modality order.
        item_ids: only these items (default: every present item).
        text_encoder: the encoder of the text modalities' sentence embeddings.
    """
    modalities = tuple(dims)
    loaded = {}
    texts: TextVectors | None = None  # one read serves every text modality
    for m in modalities:
        if m in TEXT_MODALITIES:
            if texts is None and text_encoder is not None:
                texts = store.load_text_vectors(text_encoder, dims[m])
            loaded[m] = _mean_per_item(texts, TEXT_MODALITIES[m], dims[m])
        elif m == FACE_MODALITY:
            loaded[m] = store.largest_face_vectors(dims[m])
        else:
            loaded[m] = _load(store, encoder_ids(registry, space, m), dims[m])
    ids = np.unique(np.concatenate([np.zeros(0, np.int64), *(i for i, _ in loaded.values())]))
    if item_ids is not None:
        ids = ids[np.isin(ids, np.asarray(item_ids, np.int64))]
    arrays = {m: np.zeros((len(ids), dims[m]), np.float32) for m in modalities}
    mask = np.zeros((len(ids), len(modalities)), np.float32)
    for col, modality in enumerate(modalities):
        have, matrix = loaded[modality]
        keep = np.isin(have, ids)
        rows = np.searchsorted(ids, have[keep])
        arrays[modality][rows] = matrix[keep]
        mask[rows, col] = 1.0
    return Features(ids.astype(np.int64), arrays, mask, modalities)


def _load(store: Store, encoders: list[str], dim: int) -> tuple[np.ndarray, np.ndarray]:
    """(item ids, vectors) of one modality; empty when no encoder supplies it."""
    if not encoders:
        return np.zeros(0, np.int64), np.zeros((0, dim), np.float32)
    return store.load_embeddings(encoders, dim)


def _mean_per_item(
    found: TextVectors | None, source: str, dim: int
) -> tuple[np.ndarray, np.ndarray]:
    """(item ids, unit vectors): the mean sentence embedding of each item's texts of one
    source; empty without text vectors."""
    if found is None:
        return np.zeros(0, np.int64), np.zeros((0, dim), np.float32)
    rows = found.sources == source
    ids, inverse = np.unique(found.item_ids[rows], return_inverse=True)
    sums = np.zeros((len(ids), dim), np.float32)
    np.add.at(sums, inverse, found.matrix[rows])
    norms = np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
    return ids.astype(np.int64), (sums / norms).astype(np.float32)
