"""What a library says for training: per-modality features, a presence mask, and targets.

Features are the frozen embeddings the library already holds (transfer learning: only the fusion
head trains). Every modality an item lacks is a row of zeros with its mask bit off, so one
matrix per modality serves items of every kind.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mmdesk.core.library import Library
from mmdesk.core.tagging import features
from mmdesk.errors import MmdeskError
from mmdesk.plugins.spaces import Space
from mmdesk.plugins.specs import EncoderSpec
from mmdesk.train.labels import item_labels, targets_for, user_tags

UNLABELLED_POLICIES = ("downweight", "ignore", "self-train")


@dataclass
class TrainingData:
    """Rows are items; ``targets`` 1 = is, 0 = is not, -1 = unknown (weight 0).

    ``labelled`` marks the items a person labelled (the ones metrics are measured on; None: every
    row with a weight); ``unlabelled`` is the policy the rows were built with, which tells
    :func:`~mmdesk.train.training.train` whether to self-train.
    """

    item_ids: np.ndarray
    modalities: list[str]
    features: dict[str, np.ndarray]
    mask: np.ndarray
    tags: list[str]
    targets: np.ndarray
    weights: np.ndarray
    labelled: np.ndarray | None = None
    unlabelled: str = "ignore"

    def __len__(self) -> int:
        return len(self.item_ids)

    @property
    def dims(self) -> dict[str, int]:
        """Feature width of each modality."""
        return {m: int(self.features[m].shape[1]) for m in self.modalities}

    def labelled_rows(self) -> np.ndarray:
        """Indices of the rows a person labelled."""
        rows = self.labelled if self.labelled is not None else (self.weights > 0).any(axis=1)
        return np.flatnonzero(rows)

    def subset(self, rows: np.ndarray) -> TrainingData:
        """The same data restricted to ``rows`` (a copy)."""
        return TrainingData(
            item_ids=self.item_ids[rows],
            modalities=list(self.modalities),
            features={m: f[rows] for m, f in self.features.items()},
            mask=self.mask[rows],
            tags=list(self.tags),
            targets=self.targets[rows],
            weights=self.weights[rows],
            labelled=None if self.labelled is None else self.labelled[rows],
            unlabelled=self.unlabelled,
        )


def load_features(
    library: Library, modalities: list[str], item_ids: np.ndarray | None = None
) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """(item ids, features, bool mask) of every item with any of ``modalities`` in the active
    image space (or of ``item_ids``), read by :mod:`mmdesk.core.tagging.features`, the one
    place that gathers classifier inputs, so training sees what prediction will see."""
    space = library.space("image")
    text = text_encoder(library)
    dims = {m: _dim(space, text, m) for m in modalities}
    ids = None if item_ids is None else [int(i) for i in item_ids]
    found = features.load_features(
        library.store, library.registry, space.id, dims, ids, text_encoder=text.id if text else None
    )
    arrays = {m: found.arrays[m] for m in modalities}
    return found.item_ids, arrays, found.mask.astype(bool)


def text_encoder(library: Library) -> EncoderSpec | None:
    """The text space's encoder, whose sentence embeddings of captions, OCR text and
    transcripts are the text modalities (None when no text space is installed)."""
    try:
        return library.space("text").encoders.get("text")
    except MmdeskError:
        return None


def present_features(
    library: Library,
) -> tuple[list[str], np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """(modalities, item ids, features, bool mask): ``image``, plus each text modality and the
    face modality that some item of the library has, read in one pass."""
    candidates = ["image", *features.TEXT_MODALITIES] if text_encoder(library) else ["image"]
    candidates.append(features.FACE_MODALITY)  # kept only when some item has a face
    item_ids, arrays, mask = load_features(library, candidates)
    keep = [n for n, m in enumerate(candidates) if n == 0 or mask[:, n].any()]
    modalities = [candidates[n] for n in keep]
    return modalities, item_ids, {m: arrays[m] for m in modalities}, mask[:, keep]


def _dim(space: Space, text: EncoderSpec | None, modality: str) -> int:
    """The vector width of ``modality``; an error for one the library cannot supply."""
    if modality == features.FACE_MODALITY:
        return features.FACE_DIM
    if modality in features.TEXT_MODALITIES:
        if text is None:
            raise MmdeskError(f"no text model is installed for the {modality!r} features")
        return text.dim
    source = features.SPACE_ENCODED.get(modality)
    if source is None or source not in space.encoders:
        known = ", ".join(m for m in features.SPACE_ENCODED if m in space.encoders)
        raise MmdeskError(f"model {space.id!r} gives no {modality!r} features (it has: {known})")
    return space.encoders[source].dim


def training_data(
    library: Library, tags: list[str] | None = None, *, unlabelled: str = "ignore"
) -> TrainingData:
    """Every present item with vectors of the active image space, with targets for ``tags``
    (default: every tag a person gave at least one item); see :func:`labels.targets_for`.

    ``unlabelled`` defaults to "ignore": in bench/classifier_quality.py down-weighted
    negatives cost 0.04-0.09 macro-F1 against it; self-training gained 0.01-0.03 at 5 and 10
    labels per tag, lost 0.01-0.02 at 20, and costs two fits.
    """
    if unlabelled not in UNLABELLED_POLICIES:
        raise MmdeskError(f"unlabelled must be one of {', '.join(UNLABELLED_POLICIES)}")
    modalities, item_ids, arrays, mask = present_features(library)  # + captions, OCR if any
    labels = item_labels(library.store, item_ids)
    tags = list(tags) if tags else user_tags(labels)
    if not tags:
        raise MmdeskError("nothing to train: tag a few items first (`mmdesk tag add TAG PATH`)")
    targets, weights, labelled = targets_for(item_ids, labels, tags, unlabelled)
    return TrainingData(
        item_ids, modalities, arrays, mask, tags, targets, weights, labelled, unlabelled
    )


def prediction_data(
    library: Library, modalities: list[str], item_ids: list[int] | None = None
) -> TrainingData:
    """The features a trained classifier needs for ``item_ids`` (default: every item with any
    of ``modalities``); there are no targets (zero tag columns)."""
    ids = None if item_ids is None else np.asarray(item_ids, np.int64)
    found, arrays, mask = load_features(library, list(modalities), ids)
    empty = np.zeros((len(found), 0), np.float32)
    return TrainingData(found, list(modalities), arrays, mask, [], empty, empty.copy())
