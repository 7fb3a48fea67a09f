"""Augmentation for a handful of labels: embedding noise, modality dropout and mixup.

Each works on a batch of frozen embeddings, so it costs nothing next to re-encoding media, and
each draws from the generators it is given, so a seed reproduces a run.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from mmdesk.train.model import FusionClassifier


def add_noise(
    model: FusionClassifier, features: dict[str, Tensor], noise: float, gen: torch.Generator
) -> dict[str, Tensor]:
    """Gaussian noise of ``noise`` times each modality's spread: neighbours of an example are
    likely the same tag, which is what a classifier with five examples must assume."""
    if noise <= 0:
        return features
    out = {}
    for m, x in features.items():
        spread = noise * getattr(model, f"spread_{m}")
        out[m] = x + torch.randn(x.shape, generator=gen).to(x.device) * spread
    return out


def drop_modalities(mask: Tensor, rate: float, gen: torch.Generator) -> Tensor:
    """Hide each present modality with probability ``rate``, never all of an item's, so the
    classifier learns to decide from whichever modality an item happens to have."""
    if rate <= 0 or mask.shape[1] < 2:
        return mask
    drop = (torch.rand(mask.shape, generator=gen) < rate).to(mask.device)
    kept = mask & ~drop
    return torch.where(kept.any(dim=1, keepdim=True), kept, mask)


def mixup_pairs(
    size: int, alpha: float, rng: np.random.Generator, gen: torch.Generator
) -> tuple[float, Tensor] | None:
    """(lambda, partner of each row) for mixup, or None when mixup is off."""
    if alpha <= 0 or size < 2:
        return None
    lam = float(rng.beta(alpha, alpha))
    return max(lam, 1.0 - lam), torch.randperm(size, generator=gen)


def mix(
    features: dict[str, Tensor], mask: Tensor, lam: float, partner: Tensor
) -> tuple[dict[str, Tensor], Tensor]:
    """Convex mixtures of rows with their partners. Where only one of a pair has a modality, its
    vector is kept as it is (mixing with a missing modality's zeros would only shrink it)."""
    partner = partner.to(mask.device)
    other = mask[partner]
    mixed = {}
    for col, (m, x) in enumerate(features.items()):
        both = (mask[:, col] & other[:, col]).unsqueeze(1)
        mine = mask[:, col].unsqueeze(1)
        blend = lam * x + (1.0 - lam) * x[partner]
        mixed[m] = torch.where(both, blend, torch.where(mine, x, x[partner]))
    return mixed, mask | other
