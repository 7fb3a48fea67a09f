"""The review loop: the most confident and the most uncertain unlabelled items of a tag."""

from __future__ import annotations

import time
from pathlib import Path

from classifier_kit import build_classifier_plugin, item

from mmdesk.core.library import Library


def _predict(lib: Library, photos: Path, scores: list[float]) -> list[int]:
    """Store hand-made predictions of "warm" on the first photos, as the classifier would."""
    ids = [item(lib, p) for p in sorted(photos.rglob("*.png"))[: len(scores)]]
    rows = [(i, "warm", s) for i, s in zip(ids, scores, strict=True)]
    lib.store.replace_predictions("classifier:classifier-warmth", ids, rows)
    return ids


def test_confident_first_then_nearest_the_threshold_first(
    classified: Library, photos: Path
) -> None:
    a, b, c, d = _predict(classified, photos, [0.9, 0.62, 0.75, 0.99])
    confident = classified.review("warm", "confident", 10)
    assert [r.item_id for r in confident] == [d, a, c, b]
    assert [round(r.score, 2) for r in confident] == [0.99, 0.9, 0.75, 0.62]
    uncertain = classified.review("warm", "uncertain", 2)  # threshold 0.6
    assert [r.item_id for r in uncertain] == [b, c]


def test_labelled_items_leave_the_review_queue(classified: Library, photos: Path) -> None:
    a, b, c = _predict(classified, photos, [0.9, 0.8, 0.7])
    classified.accept([a], "warm")
    classified.reject([b], "warm")
    assert [r.item_id for r in classified.review("warm")] == [c]
    assert classified.review("cool") == []


def test_labels_since_training_counts_newer_labels(library: Library, photos: Path) -> None:
    ids = [item(library, p) for p in sorted(photos.rglob("*.png"))]
    library.tag(ids[:2], "warm")
    assert library.labels_since_training("warm") == 2  # no classifier yet: every label
    build_classifier_plugin(library.settings.user_plugin_dir, trained_at=time.time())
    library.registry.refresh()
    assert library.labels_since_training("warm") == 0
    library.tag_not(ids[2:5], "warm")
    assert library.labels_since_training("warm") == 3
