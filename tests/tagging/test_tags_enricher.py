"""Predictions stay current: after each index run the classifiers see the new files, once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from classifier_kit import build_classifier_plugin, item
from mmdesk_testing import make_photo

from mmdesk.config import Settings
from mmdesk.core import enrich
from mmdesk.core.library import Library
from mmdesk.core.tagging.predict import keep_current
from mmdesk.plugins.runtimes.onnx_classifier import OnnxClassifier


@pytest.fixture()
def seen(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many items each call of any ONNX classifier scored."""
    calls: list[int] = []
    predict = OnnxClassifier.predict

    def counting(self: OnnxClassifier, features: dict, mask: np.ndarray) -> tuple:
        calls.append(len(mask))
        return predict(self, features, mask)

    monkeypatch.setattr(OnnxClassifier, "predict", counting)
    return calls


def test_the_tags_enricher_is_built_in() -> None:
    assert "tags" in enrich.enrichers()


def test_indexing_predicts_new_files_only_once(
    settings: Settings, photos: Path, seen: list[int]
) -> None:
    build_classifier_plugin(settings.user_plugin_dir)
    with Library(settings) as lib:
        lib.index([photos])
        assert seen == [9] and lib.label_counts("warm")["predicted"] == 3
        lib.index([photos])  # nothing new: the classifier is not run again
        assert seen == [9] and keep_current(lib) is None
        new = make_photo(photos / "red" / "late.png", "red", seed=99)
        lib.index([photos])
        assert seen == [9, 1]
        assert [t["source"] for t in lib.labels_for(item(lib, new))] == ["predicted"]
        assert lib.label_counts("warm")["predicted"] == 4


def test_a_classifier_installed_later_sees_the_whole_library(
    library: Library, photos: Path, seen: list[int]
) -> None:
    assert keep_current(library) is None  # no classifier: nothing to do
    build_classifier_plugin(library.settings.user_plugin_dir)
    library.registry.refresh()
    library.index([photos])
    assert seen == [9] and library.label_counts("cool")["predicted"] == 3
