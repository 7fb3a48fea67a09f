"""The trained classifier as ONNX, so predicting tags at index time needs no torch."""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
from torch import Tensor, nn

from mmdesk.train.model import FusionClassifier

OPSET = 17


class _Graph(nn.Module):
    """The classifier with plain inputs (one per modality, then ``mask``) and sigmoid scores."""

    def __init__(self, model: FusionClassifier) -> None:
        super().__init__()
        self.model = model

    def forward(self, *inputs: Tensor) -> tuple[Tensor, Tensor]:
        *xs, mask = inputs
        features = dict(zip(self.model.modalities, xs))
        logits, attention = self.model(features, mask > 0.5)
        return torch.sigmoid(logits), attention


def export(model: FusionClassifier, dims: dict[str, int], path: Path) -> None:
    """Write ``path``: inputs ``x_<modality>`` (N, dim) and ``mask`` (N, M) float32 (1 present,
    0 missing); outputs ``scores`` (N, T) and ``attention`` (N, M); the batch axis is dynamic.

    The TorchScript exporter is used (``dynamo=False``), as elsewhere in mmdesk: the graph is
    a few matrix products and it needs no onnxscript.
    """
    graph = _Graph(model).cpu().eval()
    names = [f"x_{m}" for m in model.modalities]
    dummy = tuple(torch.zeros(2, dims[m]) for m in model.modalities) + (
        torch.ones(2, len(model.modalities)),
    )
    axes = {n: {0: "batch"} for n in [*names, "mask", "scores", "attention"]}
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():  # the TorchScript exporter's notes are not actionable
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            graph,
            dummy,
            str(path),
            dynamo=False,
            opset_version=OPSET,
            input_names=[*names, "mask"],
            output_names=["scores", "attention"],
            dynamic_axes=axes,
            do_constant_folding=True,
        )
