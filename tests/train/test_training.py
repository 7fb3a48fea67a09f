"""Training: quality on separable data, honest metrics, reproducibility, devices, cancel."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from train_kit import clusters, quick

from mmdesk.errors import CancelledError, MmdeskError
from mmdesk.train.training import train


def test_separable_embeddings_reach_macro_f1_095() -> None:
    trained = train(clusters(90, tags=3, text_dim=8), quick())
    assert trained.metrics.folds == 3
    assert trained.metrics.macro_f1 >= 0.95
    assert trained.metrics.accuracy >= 0.95
    assert [m.positives for m in trained.metrics.per_tag] == [30, 30, 30]
    assert set(trained.metrics.modality_weight) == {"image", "caption"}


def test_random_labels_are_not_reported_as_learned() -> None:
    data = clusters(90, tags=3)
    data.targets = data.targets[np.random.default_rng(1).permutation(90)]
    trained = train(data, quick())
    assert trained.metrics.macro_f1 < 0.7  # thresholds are never chosen on the fold measured


def test_same_seed_same_weights_other_seed_other_weights() -> None:
    data = clusters(60, text_dim=8)
    first, second = train(data, quick(seed=3, folds=0)), train(data, quick(seed=3, folds=0))
    other = train(data, quick(seed=4, folds=0))
    a, b, c = (t.model.state_dict() for t in (first, second, other))
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_on_epoch_follows_the_final_fit_and_predict_scores_items() -> None:
    seen: list[tuple[int, float, float | None]] = []
    data = clusters(150)  # a validation split with 10 positives of each tag
    trained = train(data, quick(folds=0), on_epoch=lambda *a: seen.append(a))
    epochs = [e for e, _, _ in seen]
    assert epochs == list(range(1, len(seen) + 1))
    assert seen[0][2] is not None and seen[-1][2] is None  # early stopping, then the refit
    scores, attention = trained.predict(data)
    assert scores.shape == (150, 3) and attention.shape == (150, 1)
    assert (scores.argmax(axis=1) == data.targets.argmax(axis=1)).mean() > 0.95


def test_a_handful_of_labels_trains_a_fixed_budget_without_early_stopping() -> None:
    seen: list[tuple[int, float, float | None]] = []
    data = clusters(15)  # five per tag: a validation split would hold one of each
    trained = train(data, quick(folds=0, small_epochs=7), on_epoch=lambda *a: seen.append(a))
    assert [e for e, _, _ in seen] == list(range(1, 8))
    assert all(v is None for _, _, v in seen)
    scores, _ = trained.predict(data)
    assert (scores.argmax(axis=1) == data.targets.argmax(axis=1)).all()


def test_cancel_raises_cancelled_error() -> None:
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(CancelledError):
        train(clusters(60), quick(), should_stop=stop)


def test_a_tag_without_positives_is_refused() -> None:
    data = clusters(30)
    data.targets[:, 0] = 0
    with pytest.raises(MmdeskError, match="tag0"):
        train(data, quick())


@pytest.mark.allow_log("CUDA is not available")
def test_cuda_request_without_cuda_falls_back_to_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert train(clusters(30), quick(device="cuda", folds=0)).device_used == "cpu"
    assert train(clusters(30), quick(device="auto", folds=0)).device_used == "cpu"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_path_trains_and_matches_the_cpu_quality() -> None:
    data = clusters(90, tags=3, text_dim=8)
    trained = train(data, quick(device="cuda"))
    assert trained.device_used == "cuda"
    assert next(trained.model.parameters()).is_cuda
    assert trained.metrics.macro_f1 >= 0.95
    scores, _ = trained.predict(data)
    assert (scores.argmax(axis=1) == data.targets.argmax(axis=1)).mean() > 0.95
