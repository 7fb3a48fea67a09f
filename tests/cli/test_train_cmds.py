"""``mmdesk train`` and ``mmdesk classifiers``: the command runs the training job, reports its
metrics, and predicts with the classifier it wrote. The job here is a stand-in with the API of
``mmdesk.train.job.TrainJob`` (that module's own tests train for real)."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from mmdesk.cli import main
from mmdesk.config import Settings
from mmdesk.core.jobs import Changes

sys.path.insert(0, str(Path(__file__).parents[1] / "tagging"))  # the tagging tests' plugin kit
from classifier_kit import build_classifier_plugin  # noqa: E402

METRICS = {
    "accuracy": 0.95,
    "macro_f1": 0.9,
    "per_tag": [
        {"tag": t, "precision": 1.0, "recall": 0.8, "f1": 0.89, "threshold": 0.6,
         "positives": 3, "negatives": 6}
        for t in ("warm", "cool")
    ],
    "folds": 3,
    "modality_weight": {"image": 1.0},
}  # fmt: skip


class FakeTrainJob:
    """Writes the warm/cool classifier plugin where training would and predicts with it, as
    the real job does; records its arguments."""

    name = "training"
    made: list[FakeTrainJob] = []

    def __init__(self, tags: list[str], config: Any = None) -> None:
        self.tags, self.config = tags, config
        self.plugin_dir: Path | None = None
        self.result: Any = None
        FakeTrainJob.made.append(self)

    def run(self, library: Any, state: Any) -> Changes:
        self.plugin_dir = build_classifier_plugin(library.settings.user_plugin_dir)
        library.registry.refresh()
        changes = library.predict_tags(self.plugin_dir.name)
        metrics = types.SimpleNamespace(to_json=lambda: METRICS)
        self.result = types.SimpleNamespace(metrics=metrics)
        return changes


@pytest.fixture()
def indexed(settings: Settings, photos: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> Path:
    """The photos indexed (no classifier yet), ``mmdesk.train.job`` replaced by the stand-in."""
    fake = types.ModuleType("mmdesk.train.job")
    fake.TrainJob = FakeTrainJob  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "mmdesk.train.job", fake)
    FakeTrainJob.made.clear()
    assert main(["index", str(photos), "--json"]) == 0
    capsys.readouterr()
    return photos


def test_train_json_prints_the_metrics_and_what_it_predicted(indexed: Path, capsys) -> None:
    assert main(["train", "warm", "cool", "--seed", "7", "--device", "cpu", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {k: out[k] for k in METRICS} == METRICS
    assert out["classifier"] == "classifier-warmth" and out["predicted"] == {"warm": 3, "cool": 3}
    [job] = FakeTrainJob.made
    assert job.tags == ["warm", "cool"] and (job.config.seed, job.config.device) == (7, "cpu")


def test_train_prints_a_table_then_the_predicted_tags(indexed: Path, capsys) -> None:
    assert main(["train"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["tag", "precision", "recall", "F1", "threshold", "+", "-"]
    assert lines[1].split() == ["warm", "1.000", "0.800", "0.890", "0.600", "3", "6"]
    assert lines[3].startswith("accuracy 0.950, macro-F1 0.900 (3-fold cross-validated)")
    assert lines[4] == "predicted: warm on 3 items, cool on 3 items"
    assert FakeTrainJob.made[0].tags == [] and FakeTrainJob.made[0].config.device == "auto"


def test_classifiers_says_when_there_is_none(indexed: Path, capsys) -> None:
    assert main(["classifiers", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["classifiers"]) == 0
    assert "no classifiers yet" in capsys.readouterr().err
