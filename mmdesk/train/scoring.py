"""Running a fitted classifier on rows, and turning out-of-fold scores into metrics."""

from __future__ import annotations

import numpy as np
import torch

from mmdesk.train.data import TrainingData
from mmdesk.train.fit import Tensors
from mmdesk.train.metrics import Metrics, best_threshold, explicit, tag_metrics
from mmdesk.train.model import FusionClassifier

PREDICT_BATCH = 4096


def aligned(data: TrainingData, modalities: list[str], dims: dict[str, int]) -> TrainingData:
    """``data`` with exactly ``modalities``, in order: one it lacks is zeros, marked missing."""
    features, mask = {}, np.zeros((len(data), len(modalities)), bool)
    for col, m in enumerate(modalities):
        if m in data.modalities:
            features[m] = data.features[m]
            mask[:, col] = data.mask[:, data.modalities.index(m)]
        else:
            features[m] = np.zeros((len(data), dims[m]), np.float32)
    empty = np.zeros((len(data), 0), np.float32)
    return TrainingData(data.item_ids, list(modalities), features, mask, [], empty, empty)


@torch.no_grad()
def predict_rows(
    model: FusionClassifier,
    modalities: list[str],
    dims: dict[str, int],
    data: TrainingData,
    device: str,
) -> tuple[np.ndarray, np.ndarray]:
    """(sigmoid scores, attention) for every row of ``data``, in batches."""
    model.eval()
    data = aligned(data, modalities, dims)
    scores, attention = [], []
    for start in range(0, len(data), PREDICT_BATCH):
        part = Tensors.of(
            data.subset(np.arange(start, min(start + PREDICT_BATCH, len(data)))), device
        )
        logits, weights = model(part.features, part.mask)
        scores.append(torch.sigmoid(logits).cpu().numpy())
        attention.append(weights.cpu().numpy())
    n_tags = model.head.out_features
    if not scores:
        return np.zeros((0, n_tags), np.float32), np.zeros((0, len(modalities)), np.float32)
    return np.concatenate(scores), np.concatenate(attention)


def cross_metrics(
    data: TrainingData, oof: np.ndarray | None, folds: list[np.ndarray], attention: np.ndarray
) -> tuple[Metrics, dict[str, float]]:
    """(metrics, final thresholds) from out-of-fold scores. Each fold is judged at thresholds
    chosen on the other folds; the final thresholds are chosen on all of them."""
    rows = data.labelled_rows()
    weight = {m: float(attention[rows, c].mean()) for c, m in enumerate(data.modalities)}
    if oof is None:
        per_tag = [tag_metrics(t, np.zeros(0), np.zeros(0), np.zeros(0), 0.5) for t in data.tags]
        return Metrics(0.0, 0.0, per_tag, 0, weight), {t: 0.5 for t in data.tags}
    cells = explicit(data)
    per_tag, thresholds, right, total = [], {}, 0, 0
    for t, tag in enumerate(data.tags):
        cuts = _fold_cuts(oof[:, t], data.targets[:, t], cells[:, t], folds)
        at = np.flatnonzero(cells[:, t])
        scores, targets = oof[at, t], data.targets[at, t]
        thresholds[tag] = best_threshold(scores, targets)
        per_tag.append(tag_metrics(tag, scores, targets, cuts[at], thresholds[tag]))
        right += int(((scores >= cuts[at]) == (targets == 1)).sum())
        total += len(at)
    macro = float(np.mean([m.f1 for m in per_tag]))
    return Metrics(right / max(total, 1), macro, per_tag, len(folds), weight), thresholds


def _fold_cuts(
    scores: np.ndarray, targets: np.ndarray, cells: np.ndarray, folds: list[np.ndarray]
) -> np.ndarray:
    """(N,) the threshold each row is judged at: the best one on the other folds' labels."""
    cuts = np.full(len(scores), 0.5, np.float32)
    for test in folds:
        other = cells.copy()
        other[test] = False
        cuts[test] = best_threshold(scores[other], targets[other])
    return cuts
