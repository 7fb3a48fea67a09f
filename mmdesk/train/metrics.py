"""Judging a classifier honestly: stratified folds, per-tag thresholds, precision/recall/F1."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from mmdesk.train.data import TrainingData
from mmdesk.train.labels import UNLABELLED_WEIGHT


@dataclass
class TagMetrics:
    """One tag's cross-validated figures at its chosen threshold."""

    tag: str
    precision: float
    recall: float
    f1: float
    threshold: float
    positives: int
    negatives: int


@dataclass
class Metrics:
    """Cross-validated figures (``folds`` 0: too few labels to measure; figures are 0).

    ``accuracy`` is the share of a person's (item, tag) labels predicted right; ``macro_f1`` the
    mean of the per-tag F1; ``modality_weight`` the mean attention each modality got.
    """

    accuracy: float
    macro_f1: float
    per_tag: list[TagMetrics]
    folds: int
    modality_weight: dict[str, float]

    def to_json(self) -> dict[str, Any]:
        """Plain data for ``--json`` output and the plugin manifest."""
        return asdict(self)


def explicit(data: TrainingData) -> np.ndarray:
    """(N, T) bool: the cells a person labelled, the only ones metrics are measured on."""
    rows = np.zeros(len(data), bool)
    rows[data.labelled_rows()] = True
    return rows[:, None] & (data.targets >= 0) & (data.weights > UNLABELLED_WEIGHT)


def make_folds(data: TrainingData, rows: np.ndarray, k: int, seed: int) -> list[np.ndarray]:
    """Split ``rows`` into ``k`` folds with every tag's positives spread over them: rows are
    dealt round-robin, those of the rarest tags first."""
    rng = np.random.default_rng(seed)
    rows = rng.permutation(rows)
    positives = (data.targets[rows] == 1).sum(axis=0)
    rarity = np.where(data.targets[rows] == 1, positives[None, :], np.inf).min(axis=1)
    order = rows[np.argsort(rarity, kind="stable")]
    return [np.sort(order[f::k]) for f in range(k)]


def best_threshold(scores: np.ndarray, targets: np.ndarray) -> float:
    """The score cut with the best F1 on these labels (ties: nearest 0.5); 0.5 without any."""
    if not (targets == 1).any() or not (targets == 0).any():
        return 0.5
    cuts = np.unique(scores)
    cuts = np.concatenate([(cuts[:-1] + cuts[1:]) / 2, [0.5]])
    f1 = np.array([f1_score(scores >= c, targets == 1)[2] for c in cuts])
    best = np.flatnonzero(f1 >= f1.max() - 1e-12)
    return float(cuts[best[np.argmin(np.abs(cuts[best] - 0.5))]])


def f1_score(predicted: np.ndarray, actual: np.ndarray) -> tuple[float, float, float]:
    """(precision, recall, F1) of boolean predictions."""
    tp = float((predicted & actual).sum())
    precision = tp / max(float(predicted.sum()), 1.0)
    recall = tp / max(float(actual.sum()), 1.0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def tag_metrics(
    tag: str, scores: np.ndarray, targets: np.ndarray, cuts: np.ndarray, threshold: float
) -> TagMetrics:
    """One tag's figures, each item decided by its own fold's threshold ``cuts``."""
    precision, recall, f1 = f1_score(scores >= cuts, targets == 1)
    pos, neg = int((targets == 1).sum()), int((targets == 0).sum())
    return TagMetrics(tag, precision, recall, f1, threshold, pos, neg)
