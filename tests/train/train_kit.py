"""Synthetic training data: tags as clusters of embeddings, optionally with a second modality."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

from mmdesk.train.data import TrainingData  # noqa: E402
from mmdesk.train.options import TrainConfig  # noqa: E402


def clusters(
    n: int = 120,
    tags: int = 3,
    dim: int = 16,
    *,
    seed: int = 0,
    spread: float = 0.5,
    text_dim: int = 0,
) -> TrainingData:
    """``n`` items, each one of ``tags`` tags, its image vector near the tag's centre; with
    ``text_dim`` a second modality ("caption") that every third item lacks."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % tags
    features = {"image": (rng.normal(size=(tags, dim))[y] * 3 + rng.normal(size=(n, dim)) * spread)}
    modalities, mask = ["image"], np.ones((n, 1), bool)
    if text_dim:
        text = rng.normal(size=(tags, text_dim))[y] + rng.normal(size=(n, text_dim)) * spread
        mask = np.ones((n, 2), bool)
        mask[::3, 1] = False
        features["caption"] = np.where(mask[:, 1:], text, 0.0)
        modalities.append("caption")
    targets = np.eye(tags, dtype=np.float32)[y]
    return TrainingData(
        item_ids=np.arange(n, dtype=np.int64),
        modalities=modalities,
        features={m: f.astype(np.float32) for m, f in features.items()},
        mask=mask,
        tags=[f"tag{t}" for t in range(tags)],
        targets=targets,
        weights=np.ones_like(targets),
    )


def quick(**changes: object) -> TrainConfig:
    """A config that trains in well under a second on clusters()."""
    base = {"epochs": 40, "patience": 10, "folds": 3, "width": 32, "device": "cpu"}
    return TrainConfig(**{**base, **changes})  # type: ignore[arg-type]
