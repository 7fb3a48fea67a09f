"""The built-in ONNX classifier, built from a manifest through the registry."""

from __future__ import annotations

import numpy as np
import pytest
from classifier_kit import THRESHOLDS
from mmdesk_testing import TOY_DIM

from mmdesk.core.library import Library
from mmdesk.errors import ModelError
from mmdesk.plugins.contributions import CLASSIFIER
from mmdesk.plugins.runtimes.onnx_classifier import OnnxClassifier


def _red_and_blue() -> np.ndarray:
    x = np.zeros((2, TOY_DIM), np.float32)
    x[0, 0] = x[1, 2] = 0.6
    return x


def test_the_registry_builds_the_built_in_runtime_from_the_options(classified: Library) -> None:
    model = classified.registry.build(CLASSIFIER, "classifier-warmth/tags")
    assert isinstance(model, OnnxClassifier)
    assert model.modalities == ("image",) and model.dims == {"image": TOY_DIM}
    assert model.thresholds == THRESHOLDS and model.provider is None  # loads on first use


def test_predict_scores_each_label_and_returns_attention(classified: Library) -> None:
    model = classified.registry.build(CLASSIFIER, "classifier-warmth/tags")
    scores, attention = model.predict({"image": _red_and_blue()}, np.ones((2, 1), np.float32))
    assert scores.shape == (2, 2) and scores.dtype == np.float32
    assert scores[0, 0] > 0.9 > scores[0, 1] and scores[1, 1] > 0.9 > scores[1, 0]
    assert attention.tolist() == [[1.0], [1.0]] and model.provider is not None


def test_a_missing_modality_is_masked_out_and_shapes_are_checked(classified: Library) -> None:
    model = classified.registry.build(CLASSIFIER, "classifier-warmth/tags")
    scores, attention = model.predict({}, np.ones((2, 1), np.float32))
    assert scores.tolist() == [[0.0, 0.0], [0.0, 0.0]] and attention.tolist() == [[0.0], [0.0]]
    empty, _ = model.predict({"image": np.zeros((0, TOY_DIM))}, np.zeros((0, 1)))
    assert empty.shape == (0, 2)
    with pytest.raises(ModelError, match="wants"):
        model.predict({"image": np.zeros((2, 3))}, np.ones((2, 1)))
    with pytest.raises(ModelError, match="mask"):
        model.predict({"image": _red_and_blue()}, np.ones((2, 2)))
