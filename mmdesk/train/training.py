"""Training a person's tags: k-fold cross-validated metrics, then the final classifier.

Cross-validation measures what a classifier trained on these labels gets right on labels it did
not see, with each fold's per-tag thresholds chosen on the other folds' out-of-fold scores (never
on the fold being measured). The final classifier is then fitted on every label, and keeps the
thresholds chosen on all out-of-fold scores.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from mmdesk.errors import MmdeskError
from mmdesk.train.data import TrainingData
from mmdesk.train.fit import OnEpoch
from mmdesk.train.fitting import fit_model
from mmdesk.train.metrics import Metrics, TagMetrics, make_folds
from mmdesk.train.model import FusionClassifier
from mmdesk.train.options import TrainConfig
from mmdesk.train.scoring import cross_metrics, predict_rows

__all__ = ["Metrics", "TagMetrics", "TrainConfig", "TrainedClassifier", "train"]
log = logging.getLogger(__name__)


@dataclass
class TrainedClassifier:
    """A trained classifier with what it needs to run elsewhere: its tags, inputs and cuts."""

    model: FusionClassifier
    tags: list[str]
    modalities: list[str]
    dims: dict[str, int]
    thresholds: dict[str, float]
    metrics: Metrics
    config: TrainConfig
    device_used: str

    def predict(self, data: TrainingData) -> tuple[np.ndarray, np.ndarray]:
        """(scores (N, T) in [0, 1], attention (N, M)) for ``data``'s items; a modality the
        classifier knows but ``data`` lacks counts as missing."""
        return predict_rows(self.model, self.modalities, self.dims, data, self.device_used)

    def export_onnx(self, path: Path) -> None:
        """Write the classifier as ONNX: inputs ``x_<modality>`` (N, dim) and ``mask`` (N, M)
        float32, outputs ``scores`` (N, T) and ``attention`` (N, M); the batch is dynamic."""
        from mmdesk.train.export_onnx import export

        export(self.model, self.dims, path)


def pick_device(wanted: str) -> str:
    """ "auto": CUDA when torch sees it, else CPU; "cuda" without CUDA falls back with a warning."""
    if wanted not in ("auto", "cpu", "cuda"):
        raise MmdeskError(f"device must be auto, cpu or cuda, not {wanted!r}")
    if wanted == "cuda" and not torch.cuda.is_available():
        log.warning("CUDA is not available to torch: training on the CPU instead")
        return "cpu"
    if wanted == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return wanted


def check_trainable(data: TrainingData) -> None:
    """Refuse data a classifier cannot learn from, saying which tag needs what."""
    if not data.tags:
        raise MmdeskError("nothing to train: no tags")
    rows = data.labelled_rows()
    for t, tag in enumerate(data.tags):
        if not (data.targets[rows, t] == 1).any():
            raise MmdeskError(f"tag {tag!r} has no labelled items: tag a few first")
    if not (data.targets[rows] == 0).any():
        raise MmdeskError("no negatives: tag items with another tag or mark some `tag not`")


def fold_count(data: TrainingData, wanted: int) -> int:
    """``wanted`` folds, fewer when a tag has fewer positives; 0 when that leaves under 2."""
    rows = data.labelled_rows()
    fewest = int((data.targets[rows] == 1).sum(axis=0).min())
    k = min(wanted, fewest, len(rows))
    return k if k >= 2 else 0


def out_of_fold(
    data: TrainingData,
    config: TrainConfig,
    device: str,
    folds: list[np.ndarray],
    should_stop: Callable[[], bool] | None,
) -> np.ndarray:
    """(N, T) scores of the labelled rows, each from the model that did not see its fold."""
    scores = np.full(data.targets.shape, np.nan, np.float32)
    for f, test in enumerate(folds):
        keep = np.setdiff1d(np.arange(len(data)), test)
        model = fit_model(data.subset(keep), config, device, config.seed + 1 + f, None, should_stop)
        scores[test] = predict_rows(model, data.modalities, data.dims, data.subset(test), device)[0]
    return scores


@contextmanager
def one_thread(device: str) -> Iterator[None]:
    """One intra-op thread while training on the CPU, restored after. The head's matrices are
    too small for threads to pay, and spinning pool threads competing with indexing or other
    work made a training run ten times slower (80 s against 8 s on 2 busy cores)."""
    before = torch.get_num_threads()
    if device == "cpu":
        torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def train(
    data: TrainingData,
    config: TrainConfig | None = None,
    *,
    on_epoch: OnEpoch | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrainedClassifier:
    """Cross-validate, then fit the final classifier on every label (see the module doc).

    ``on_epoch(epoch, train_loss, val_loss)`` follows the final fit (val_loss None during the
    refit); ``should_stop()`` is polled every epoch and raises CancelledError when true.
    """
    config = config or TrainConfig()
    check_trainable(data)
    device = pick_device(config.device)
    k = fold_count(data, config.folds)
    folds = make_folds(data, data.labelled_rows(), k, config.seed) if k else []
    with one_thread(device):
        oof = out_of_fold(data, config, device, folds, should_stop) if k else None
        model = fit_model(data, config, device, config.seed, on_epoch, should_stop)
        attention = predict_rows(model, data.modalities, data.dims, data, device)[1]
    metrics, thresholds = cross_metrics(data, oof, folds, attention)
    return TrainedClassifier(
        model,
        list(data.tags),
        list(data.modalities),
        data.dims,
        thresholds,
        metrics,
        config,
        device,
    )
