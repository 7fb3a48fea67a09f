"""The fusion classifier: masked modalities cannot reach the outputs; attention is a mix."""

from __future__ import annotations

import torch
from train_kit import clusters

from mmdesk.train.model import FusionClassifier


def _model() -> tuple[FusionClassifier, dict[str, torch.Tensor], torch.Tensor]:
    data = clusters(30, text_dim=8)
    torch.manual_seed(0)
    model = FusionClassifier(data.dims, len(data.tags), width=16).eval()
    model.set_scaling(data.features, data.mask)
    features = {m: torch.from_numpy(f) for m, f in data.features.items()}
    return model, features, torch.from_numpy(data.mask)


def test_a_masked_modality_changes_nothing_whatever_its_values() -> None:
    model, features, mask = _model()
    logits, attention = model(features, mask)
    missing = ~mask[:, 1]
    perturbed = dict(features)
    perturbed["caption"] = features["caption"].clone()
    perturbed["caption"][missing] = torch.randn(int(missing.sum()), 8) * 100
    logits2, attention2 = model(perturbed, mask)
    assert torch.equal(logits, logits2) and torch.equal(attention, attention2)
    assert (attention[missing, 1] == 0).all()


def test_masking_a_present_modality_does_change_the_outputs() -> None:
    model, features, mask = _model()
    hidden = mask.clone()
    hidden[:, 1] = False
    assert not torch.allclose(model(features, mask)[0], model(features, hidden)[0])


def test_attention_sums_to_one_over_present_modalities_and_no_modality_is_finite() -> None:
    model, features, mask = _model()
    _, attention = model(features, mask)
    assert torch.allclose(attention.sum(dim=1), torch.ones(len(mask)))
    logits, attention = model(features, torch.zeros_like(mask))
    assert torch.isfinite(logits).all() and (attention == 0).all()
