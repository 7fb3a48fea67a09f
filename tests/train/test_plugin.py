"""A trained classifier becomes a valid classifier plugin; the job ties it together."""

from __future__ import annotations

from pathlib import Path

import pytest
from train_kit import clusters, quick

from mmdesk.core.library import Library
from mmdesk.core.tasks import TaskState
from mmdesk.errors import CancelledError
from mmdesk.plugins.checksums import sha256_file
from mmdesk.plugins.manifest import load_manifest
from mmdesk.plugins.tables import CLASSIFIER_KEYS
from mmdesk.train.job import TrainJob
from mmdesk.train.plugin import save_classifier
from mmdesk.train.training import train

# A classifier table with no entry runs on the built-in ONNX classifier; until the manifest
# schema says so (the prediction side's change to plugins/tables.py) no such plugin validates.
needs_entryless_classifiers = pytest.mark.skipif(
    CLASSIFIER_KEYS["entry"].required, reason="plugins/tables.py still requires a classifier entry"
)


@needs_entryless_classifiers
def test_saved_plugin_passes_the_strict_manifest_check(settings) -> None:  # type: ignore[no-untyped-def]
    trained = train(clusters(30, tags=2, dim=8), quick(folds=0, epochs=3))
    with Library(settings) as lib:
        folder = save_classifier(trained, lib, name="My Garden!")
        again = save_classifier(trained, lib, name="My Garden!")  # retraining replaces it
        manifest = load_manifest(folder)
        space = lib.space("image").id
    assert again == folder and folder.name == "classifier-my-garden"
    assert folder.parent == settings.user_plugin_dir
    assert sorted(p.name for p in folder.iterdir()) == ["classifier.onnx", "plugin.toml"]
    (spec,) = manifest.classifiers
    assert spec.id == "classifier-my-garden/tags" and spec.entry is None
    assert spec.space == space and spec.labels == ("tag0", "tag1")
    assert spec.options["dims"] == {"image": 8} and spec.options["modalities"] == ["image"]
    assert set(spec.options["thresholds"]) == {"tag0", "tag1"}
    assert manifest.files["classifier.onnx"] == sha256_file(folder / "classifier.onnx")


def _labelled_library(settings, photos: Path) -> Library:  # type: ignore[no-untyped-def]
    lib = Library(settings)
    lib.index([photos])
    for colour in ("red", "green", "blue"):
        items = [lib.item_for_path(p) for p in (photos / colour).iterdir()]
        lib.tag([i for i in items if i is not None], colour)
    return lib


@needs_entryless_classifiers
def test_train_job_trains_saves_and_reports_progress(settings, photos: Path) -> None:  # type: ignore[no-untyped-def]
    seen = []
    with _labelled_library(settings, photos) as lib:
        job = TrainJob(config=quick(folds=3, epochs=20))
        changes = lib.run(job, TaskState(on_progress=seen.append))
    assert job.result is not None and job.plugin_dir is not None
    assert job.result.tags == ["blue", "green", "red"]
    assert (job.plugin_dir / "classifier.onnx").is_file()
    assert changes.tags and not changes.items
    assert seen and seen[-1].message.startswith("loss ") and seen[0].total == 20


def test_a_cancelled_job_raises_and_saves_nothing(settings, photos: Path) -> None:  # type: ignore[no-untyped-def]
    with _labelled_library(settings, photos) as lib:
        state = TaskState()
        state.cancel()
        job = TrainJob(config=quick())
        with pytest.raises(CancelledError):
            lib.run(job, state)
    assert job.plugin_dir is None and not settings.user_plugin_dir.exists()
