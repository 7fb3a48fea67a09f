"""The built-in ONNX classifier: a trained tag classifier (``mmdesk train``) run by ONNX Runtime.

The graph takes one float32 input per modality, ``x_<modality>`` of shape (N, dim), and a
``mask`` (N, M) saying which modalities each item has; it gives ``scores`` (N, T) in [0, 1],
one per label, and ``attention`` (N, M), how much each modality counted. Modalities, their
dims and the per-tag thresholds come from the manifest's ``[classifiers.options]``, so the
runtime needs no code from the plugin and no torch.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from mmdesk.errors import ModelError, PluginError
from mmdesk.plugins.session import LazySession, SessionOptions
from mmdesk.plugins.specs import ClassifierSpec

log = logging.getLogger(__name__)
DEFAULT_THRESHOLD = 0.5


class OnnxClassifier:
    """Scores per label for items, from their embeddings of one or more modalities."""

    def __init__(self, spec: ClassifierSpec, options: SessionOptions | None = None) -> None:
        self.spec = spec
        self.options = options or SessionOptions()
        self.modalities: tuple[str, ...] = tuple(spec.options.get("modalities", ("image",)))
        self.dims: dict[str, int] = {m: int(d) for m, d in spec.options.get("dims", {}).items()}
        missing = [m for m in self.modalities if m not in self.dims]
        if not spec.model or missing:
            what = "a model" if not spec.model else f"options.dims for {', '.join(missing)}"
            raise PluginError(f"classifier {spec.id!r} needs {what}")
        given = spec.options.get("thresholds", {})
        self.thresholds = {t: float(given.get(t, DEFAULT_THRESHOLD)) for t in spec.labels}
        self._lazy = LazySession(spec.folder / str(spec.model), self.options, spec.id)

    @property
    def labels(self) -> tuple[str, ...]:
        return self.spec.labels

    @property
    def provider(self) -> str | None:
        """The execution provider the model runs on; None until it is loaded."""
        return self._lazy.provider

    def session(self) -> Any:
        """The ONNX Runtime session, opened on first use, once."""
        return self._lazy.get()

    def predict(
        self, features: dict[str, np.ndarray], mask: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(scores (N, T), attention (N, M)) for N items.

        Args:
            features: modality -> float32 (N, dim). A modality left out counts as missing
                for every item (zeros, masked out).
            mask: (N, M) with 1 where the item has that modality, in ``modalities`` order.
        """
        mask = np.ascontiguousarray(mask, dtype=np.float32)
        n = len(mask)
        if mask.shape != (n, len(self.modalities)):
            wants = f"(N, {len(self.modalities)})"
            raise ModelError(f"{self.spec.id}: mask {mask.shape}, wants {wants}")
        if n == 0:
            return np.zeros((0, len(self.labels)), np.float32), mask.copy()
        feeds = {"mask": mask}
        for col, modality in enumerate(self.modalities):
            feeds[f"x_{modality}"] = self._input(features, modality, n)
            if modality not in features:
                mask[:, col] = 0.0
        return self._run(feeds, n)

    def _input(self, features: dict[str, np.ndarray], modality: str, n: int) -> np.ndarray:
        dim = self.dims[modality]
        if modality not in features:
            return np.zeros((n, dim), np.float32)
        x = np.ascontiguousarray(features[modality], dtype=np.float32)
        if x.shape != (n, dim):
            raise ModelError(f"{self.spec.id}: {modality} features {x.shape}, wants ({n}, {dim})")
        return x

    def _run(self, feeds: dict[str, np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray]:
        try:
            scores, attention = self.session().run(["scores", "attention"], feeds)
        except Exception as exc:  # onnxruntime's own error types
            raise ModelError(f"{self.spec.id} failed: {exc}") from exc
        scores = np.asarray(scores, dtype=np.float32)
        if scores.shape != (n, len(self.labels)):
            raise ModelError(
                f"{self.spec.id} gave scores {scores.shape}, manifest has {len(self.labels)} labels"
            )
        return scores, np.asarray(attention, dtype=np.float32)
