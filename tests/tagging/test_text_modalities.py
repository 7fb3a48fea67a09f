"""Captions and OCR text become modalities of the tag classifier once they have vectors."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmdesk.config import Settings
from mmdesk.core.library import Library

pytest.importorskip("torch")


def test_captions_join_the_classifier_and_its_predictions(settings: Settings, photos: Path) -> None:
    from mmdesk.train.data import training_data
    from mmdesk.train.job import TrainJob
    from mmdesk.train.training import TrainConfig

    with Library(settings) as lib:
        lib.index([photos])
        red = [lib.item_for_path(p) for p in sorted(photos.glob("red/*.png"))]
        other = [lib.item_for_path(p) for p in sorted(photos.glob("[gb]*/*.png"))]
        for item in red:
            lib.store.add_text(item, "caption", "a red photo", producer="test")
        for item in other[:2]:
            lib.store.add_text(item, "caption", "a blue photo", producer="test")
        lib.index([photos])  # the text-vector enricher embeds the new captions
        lib.tag(red, "warm")
        lib.tag_not(other, "warm")
        data = training_data(lib, ["warm"])
        assert data.modalities == ["image", "caption"]
        column = data.modalities.index("caption")
        with_caption = {int(i) for i, m in zip(data.item_ids, data.mask[:, column]) if m}
        assert with_caption == set(red) | set(other[:2])
        job = TrainJob(["warm"], config=TrainConfig(epochs=20, folds=2))
        lib.run(job)
        [found] = lib.classifiers()
        assert found["modalities"] == ["image", "caption"]
        assert lib.predict_tags(found["id"]) is not None  # the ONNX model gets both inputs
