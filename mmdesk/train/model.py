"""The fusion classifier: per-modality projections, attention over modalities, one sigmoid per tag.

``h_m = act(W_m x_m + b_m)`` maps each modality to a shared width; attention logits
``a = softmax(Σ_m W_a,m x_m + b)`` over the modalities, with missing ones masked out, weigh them
into ``z = Σ_m a_m h_m``; a linear head gives one logit per tag (multi-task: every tag shares the
trunk, which is what lets a tag with five examples borrow from the others). The attention
weights come out too, so the UI can say which modality drove a decision.

A linear skip path adds ``Σ_m L_m x_m`` to the logits: a logistic regression on the concatenated
centred inputs. Training fits it first, to convergence, so the classifier starts as the linear
probe and the fused path learns what is left (see :mod:`mmdesk.train.fitting`).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

_MASKED = -1e9  # softmax weight exp(-1e9) is exactly 0 in float32: a masked modality's "-inf"


class FusionClassifier(nn.Module):
    """Multi-label classifier over a dict of modality features and an (N, M) presence mask."""

    def __init__(
        self,
        dims: dict[str, int],
        n_tags: int,
        width: int = 128,
        dropout: float = 0.1,
        linear: bool = True,
    ) -> None:
        super().__init__()
        self.modalities = list(dims)
        self.project = nn.ModuleDict({m: nn.Linear(d, width) for m, d in dims.items()})
        self.attend = nn.ModuleDict(
            {m: nn.Linear(d, len(dims), bias=False) for m, d in dims.items()}
        )
        self.attend_bias = nn.Parameter(torch.zeros(len(dims)))
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(width, n_tags)
        self.linear = nn.ModuleDict(
            {m: nn.Linear(d, n_tags, bias=False) for m, d in dims.items()} if linear else {}
        )
        for weight in self.linear.parameters():  # fitted by training; zero adds nothing till then
            nn.init.zeros_(weight)
        for m, d in dims.items():  # set from training data; the centre is exported
            self.register_buffer(f"center_{m}", torch.zeros(d))
            self.register_buffer(f"spread_{m}", torch.ones(()))

    def set_scaling(self, features: dict[str, np.ndarray], mask: np.ndarray) -> None:
        """Centre each modality on its present rows, and note its spread (root mean square
        per component) for the noise augmentation. Inputs are centred but not rescaled: on
        the corpora, rescaling to unit variance cost 4-5 points of macro-F1 at 10 labels per
        tag (it lets the head fit noise in the embeddings' many low-variance directions)."""
        for col, m in enumerate(self.modalities):
            rows = features[m][mask[:, col]]
            if len(rows) == 0:
                continue
            center = rows.mean(axis=0)
            rms = float(np.sqrt(((rows - center) ** 2).mean())) or 1.0
            getattr(self, f"center_{m}").copy_(torch.from_numpy(center))
            getattr(self, f"spread_{m}").fill_(rms)

    def inputs(self, features: dict[str, Tensor], mask: Tensor) -> list[Tensor]:
        """Centred inputs, zero where the modality is missing (so nothing of a masked
        modality's values can reach the outputs)."""
        present = mask.to(features[self.modalities[0]].dtype)
        out = []
        for col, m in enumerate(self.modalities):
            x = features[m] - getattr(self, f"center_{m}")
            out.append(x * present[:, col : col + 1])
        return out

    def linear_logits(self, xs: list[Tensor]) -> Tensor:
        """The skip path's logits for centred inputs ``xs``, with the head's bias: (N, T), or
        (1, T) without a skip path (broadcasting keeps the exported batch axis dynamic)."""
        out = self.head.bias.unsqueeze(0)
        for m, x in zip(self.modalities, xs):
            if m in self.linear:
                out = out + self.linear[m](x)
        return out

    def forward(self, features: dict[str, Tensor], mask: Tensor) -> tuple[Tensor, Tensor]:
        """(logits (N, T), attention (N, M)); a row with no modality gets the head's bias."""
        xs = self.inputs(features, mask)
        present = mask.to(xs[0].dtype)
        hidden = torch.stack(
            [torch.relu(self.project[m](x)) for m, x in zip(self.modalities, xs)], 1
        )
        scores = self.attend_bias + sum(self.attend[m](x) for m, x in zip(self.modalities, xs))
        scores = torch.where(present > 0, scores, torch.full_like(scores, _MASKED))
        attention = torch.softmax(scores, dim=1) * present
        fused = (attention.unsqueeze(-1) * hidden).sum(dim=1)
        fused_logits = self.dropout(fused) @ self.head.weight.T  # the bias is in linear_logits
        return self.linear_logits(xs) + fused_logits, attention
