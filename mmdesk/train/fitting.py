"""Fitting one classifier on some rows: the linear path, validation split, early stopping, refit,
self-training.

A fit first solves the linear skip path (an L2-regularised logistic regression, convex, by
full-batch L-BFGS) and freezes it, with the fused path's head at zero: the model starts as the
linear probe. Then the fused path trains on top with augmentation. On the corpora of
bench/classifier_quality.py this is what made the classifier at least the scikit-learn probe
at 5-20 labels per tag; trained jointly from scratch, the fused path fitted the few labels
and trailed the probe by up to 0.1 macro-F1.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import torch
from torch import Tensor

from mmdesk.train.data import TrainingData
from mmdesk.train.fit import Fit, OnEpoch, Tensors, pos_weight, run_epochs, weighted_bce
from mmdesk.train.metrics import make_folds
from mmdesk.train.model import FusionClassifier
from mmdesk.train.options import TrainConfig

PSEUDO_WEIGHT = 0.5  # loss weight of a self-training pseudo-label at full confidence
LBFGS_ITERATIONS = 200  # the skip path's solve: converged well within this on the corpora


def new_model(data: TrainingData, config: TrainConfig, seed: int, device: str) -> FusionClassifier:
    """A fresh classifier, its weights drawn from ``seed`` on the CPU (the same on any device)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = FusionClassifier(
            data.dims, len(data.tags), config.width, config.dropout, config.linear_c > 0
        )
    model.set_scaling(data.features, data.mask)
    return model.to(device)


def split_validation(data: TrainingData, config: TrainConfig, seed: int) -> np.ndarray:
    """The labelled rows held out for early stopping: none when there are too few, or when
    some tag would have fewer than ``config.min_val_positives`` positives there."""
    none = np.zeros(0, np.int64)
    rows = data.labelled_rows()
    k = int(round(1 / config.val_fraction)) if config.val_fraction > 0 else 0
    if k < 2 or len(rows) < 2 * k:
        return none
    val = make_folds(data, rows, k, seed)[0]
    positives = (data.targets[val] == 1).sum(axis=0)
    return val if positives.min() >= config.min_val_positives else none


def fit_linear(model: FusionClassifier, data: Tensors, pos: Tensor, c: float) -> None:
    """Solve the skip path (and the head's bias) on ``data``, un-augmented, as a logistic
    regression with scikit-learn's L2 penalty ``|W|² / 2C`` per weighted label; then freeze it
    and zero the fused path's head, so training starts from the probe."""
    params: list[Tensor] = list(model.linear.parameters())
    if not params:
        return
    opt = torch.optim.LBFGS(
        [*params, model.head.bias],
        lr=1.0,
        max_iter=LBFGS_ITERATIONS,
        history_size=20,
        line_search_fn="strong_wolfe",
    )
    n = float(data.weights.sum().clamp(min=1e-6))
    model.eval()
    with torch.no_grad():
        xs = model.inputs(data.features, data.mask)

    def closure() -> Tensor:
        opt.zero_grad()
        loss = weighted_bce(model.linear_logits(xs), data, pos) / n
        loss = loss + torch.stack([(w**2).sum() for w in params]).sum() / (2 * c * n)
        loss.backward()
        return loss

    opt.step(closure)
    with torch.no_grad():
        model.head.weight.zero_()
    for w in params:
        w.requires_grad_(False)


@contextmanager
def seeded(seed: int, device: str) -> Iterator[None]:
    """torch's global generators (which dropout draws from) seeded, and restored after, so a
    fit is reproducible and leaves other users of torch undisturbed."""
    devices = [torch.cuda.current_device()] if device.startswith("cuda") else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


def fit_once(
    data: TrainingData,
    config: TrainConfig,
    device: str,
    seed: int,
    on_epoch: OnEpoch | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> FusionClassifier:
    """Early stopping on a validation split, then (``config.refit``) the same number of epochs
    on every row. ``on_epoch`` numbers the refit's epochs on from the first phase's."""
    with seeded(seed, device):
        return _fit_once(data, config, device, seed, on_epoch, should_stop)


def _fit_once(
    data: TrainingData,
    config: TrainConfig,
    device: str,
    seed: int,
    on_epoch: OnEpoch | None,
    should_stop: Callable[[], bool] | None,
) -> FusionClassifier:
    on_epoch = None if on_epoch is None else _numbered(on_epoch)
    val = split_validation(data, config, seed)
    train_rows = np.setdiff1d(np.flatnonzero((data.weights > 0).any(axis=1)), val)
    tensors, pos = Tensors.of(data, device), torch.as_tensor(pos_weight(data), device=device)
    model = new_model(data, config, seed, device)
    fit = _fit(config, seed)
    train = (tensors.rows(torch.as_tensor(train_rows, device=device)), pos)
    held = tensors.rows(torch.as_tensor(val, device=device)) if len(val) else None
    fit_linear(model, train[0], pos, config.linear_c)
    opt = _optimiser(model, config)
    epochs = config.epochs if held is not None else min(config.epochs, config.small_epochs)
    stop = (epochs, config.patience)
    best = run_epochs(fit, model, opt, train, held, stop, on_epoch, should_stop)
    if held is None or not config.refit:
        return model
    model, fit = new_model(data, config, seed, device), _fit(config, seed)
    everything = np.flatnonzero((data.weights > 0).any(axis=1))
    train = (tensors.rows(torch.as_tensor(everything, device=device)), pos)
    fit_linear(model, train[0], pos, config.linear_c)
    run_epochs(fit, model, _optimiser(model, config), train, None, (best, 0), on_epoch, should_stop)
    return model


def fit_model(
    data: TrainingData,
    config: TrainConfig,
    device: str,
    seed: int,
    on_epoch: OnEpoch | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> FusionClassifier:
    """:func:`fit_once`, or with ``data.unlabelled == "self-train"`` twice: the first model's
    confident guesses on unlabelled rows become soft labels for the second."""
    if data.unlabelled != "self-train":
        return fit_once(data, config, device, seed, on_epoch, should_stop)
    first = fit_once(data, config, device, seed, None, should_stop)
    return fit_once(
        pseudo_labelled(first, data, device), config, device, seed, on_epoch, should_stop
    )


def pseudo_labelled(model: FusionClassifier, data: TrainingData, device: str) -> TrainingData:
    """``data`` with every unknown cell of an unlabelled row labelled by ``model``: 1 when its
    score is at least 0.5, weighted by its confidence ``|2 score - 1|`` times PSEUDO_WEIGHT."""
    out = data.subset(np.arange(len(data)))
    rows = np.setdiff1d(np.arange(len(data)), data.labelled_rows())
    if len(rows) == 0:
        return out
    tensors = Tensors.of(data.subset(rows), device)
    model.eval()
    with torch.no_grad():
        scores = torch.sigmoid(model(tensors.features, tensors.mask)[0]).cpu().numpy()
    unknown = out.targets[rows] < 0
    out.targets[rows] = np.where(unknown, (scores >= 0.5).astype(np.float32), out.targets[rows])
    confidence = (np.abs(2 * scores - 1) * PSEUDO_WEIGHT).astype(np.float32)
    out.weights[rows] = np.where(unknown, confidence, out.weights[rows])
    return out


def _fit(config: TrainConfig, seed: int) -> Fit:
    gen = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    return Fit(config.noise, config.mixup, config.modality_dropout, gen, rng)


def _optimiser(model: FusionClassifier, config: TrainConfig) -> torch.optim.Optimizer:
    trainable = [p for p in model.parameters() if p.requires_grad]
    return torch.optim.AdamW(trainable, lr=config.lr, weight_decay=config.weight_decay)


def _numbered(on_epoch: OnEpoch) -> OnEpoch:
    """``on_epoch`` with epochs counted across both phases (the refit follows on)."""
    count = [0]

    def call(epoch: int, loss: float, val: float | None) -> None:
        count[0] += 1
        on_epoch(count[0], loss, val)

    return call
