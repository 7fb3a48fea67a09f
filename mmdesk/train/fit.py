"""One fit of a fusion classifier: mini-batches, augmentation, weighted BCE, early stopping."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from mmdesk.errors import CancelledError
from mmdesk.train import augment
from mmdesk.train.data import TrainingData
from mmdesk.train.model import FusionClassifier

BATCH = 128
STEPS_PER_EPOCH = 8  # small data gets smaller batches: early stopping then sees real progress
MAX_POS_WEIGHT = 50.0
OnEpoch = Callable[[int, float, float | None], None]


@dataclass
class Tensors:
    """A TrainingData's rows on a device, features in the model's modality order."""

    features: dict[str, Tensor]
    mask: Tensor
    targets: Tensor
    weights: Tensor

    @classmethod
    def of(cls, data: TrainingData, device: str) -> Tensors:
        def put(a: np.ndarray) -> Tensor:
            return torch.as_tensor(np.ascontiguousarray(a), device=device)

        features = {m: put(data.features[m].astype(np.float32)) for m in data.modalities}
        return cls(features, put(data.mask.astype(bool)), put(data.targets), put(data.weights))

    def rows(self, index: Tensor) -> Tensors:
        return Tensors(
            {m: x[index] for m, x in self.features.items()},
            self.mask[index],
            self.targets[index],
            self.weights[index],
        )

    def __len__(self) -> int:
        return len(self.mask)


def pos_weight(data: TrainingData) -> np.ndarray:
    """Per-tag weight of positives, negatives/positives by loss weight: a rare tag's few
    examples count as much as its many negatives (capped, so one example cannot explode)."""
    pos = ((data.targets == 1) * data.weights).sum(axis=0)
    neg = ((data.targets == 0) * data.weights).sum(axis=0)
    return np.clip(neg / np.maximum(pos, 1e-6), 1.0, MAX_POS_WEIGHT).astype(np.float32)


def weighted_bce(logits: Tensor, batch: Tensors, pos: Tensor) -> Tensor:
    """Summed binary cross-entropy weighted per target; unknown targets carry weight 0."""
    return F.binary_cross_entropy_with_logits(
        logits, batch.targets.clamp(min=0), weight=batch.weights, pos_weight=pos, reduction="sum"
    )


def loss_of(logits: Tensor, batch: Tensors, pos: Tensor) -> Tensor:
    """:func:`weighted_bce` per unit of weight."""
    return weighted_bce(logits, batch, pos) / batch.weights.sum().clamp(min=1e-6)


@dataclass
class Fit:
    """How one fit runs; the generators make it reproducible."""

    noise: float
    mixup: float
    modality_dropout: float
    gen: torch.Generator
    rng: np.random.Generator

    def step(
        self, model: FusionClassifier, opt: torch.optim.Optimizer, batch: Tensors, pos: Tensor
    ) -> float:
        """One augmented optimisation step; returns the batch loss."""
        features = augment.add_noise(model, batch.features, self.noise, self.gen)
        mask = augment.drop_modalities(batch.mask, self.modality_dropout, self.gen)
        pairs = augment.mixup_pairs(len(batch), self.mixup, self.rng, self.gen)
        if pairs is None:
            loss = loss_of(model(features, mask)[0], batch, pos)
        else:
            lam, partner = pairs
            logits = model(*augment.mix(features, mask, lam, partner))[0]
            other = batch.rows(partner.to(batch.mask.device))
            loss = lam * loss_of(logits, batch, pos) + (1 - lam) * loss_of(logits, other, pos)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return float(loss.detach())

    def epoch(
        self, model: FusionClassifier, opt: torch.optim.Optimizer, data: Tensors, pos: Tensor
    ) -> float:
        """One pass over ``data`` in shuffled mini-batches; returns the mean batch loss."""
        model.train()
        order = torch.randperm(len(data), generator=self.gen).to(data.mask.device)
        size = max(8, min(BATCH, -(-len(data) // STEPS_PER_EPOCH)))
        losses = [self.step(model, opt, data.rows(b), pos) for b in torch.split(order, size)]
        return float(np.mean(losses))


@torch.no_grad()
def evaluate(model: FusionClassifier, data: Tensors, pos: Tensor) -> float:
    """The un-augmented loss on ``data`` (validation)."""
    model.eval()
    return float(loss_of(model(data.features, data.mask)[0], data, pos))


def run_epochs(
    fit: Fit,
    model: FusionClassifier,
    opt: torch.optim.Optimizer,
    train: tuple[Tensors, Tensor],
    val: Tensors | None,
    stop: tuple[int, int],
    on_epoch: OnEpoch | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> int:
    """Train up to ``stop[0]`` epochs; with ``val``, stop ``stop[1]`` epochs after the best
    validation loss and restore that epoch's weights. Returns the epoch kept."""
    epochs, patience = stop
    best, best_epoch, best_state = float("inf"), epochs, None
    for epoch in range(1, epochs + 1):
        if should_stop is not None and should_stop():
            raise CancelledError("training cancelled")
        loss = fit.epoch(model, opt, *train)
        val_loss = None if val is None else evaluate(model, val, train[1])
        if on_epoch is not None:
            on_epoch(epoch, loss, val_loss)
        if val_loss is not None and val_loss < best - 1e-6:
            best, best_epoch, best_state = val_loss, epoch, copy.deepcopy(model.state_dict())
        elif val_loss is not None and epoch - best_epoch >= patience:
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    return best_epoch
