"""The ONNX export computes what the torch model does, for any batch size and any mask."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
from train_kit import clusters, quick

from mmdesk.train.training import train


def test_onnx_matches_torch_with_missing_modalities(tmp_path: Path) -> None:
    data = clusters(45, text_dim=8)
    trained = train(data, quick(folds=0, epochs=5))
    trained.export_onnx(tmp_path / "c.onnx")
    session = ort.InferenceSession(str(tmp_path / "c.onnx"), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["x_image", "x_caption", "mask"]
    for rows in (np.arange(1), np.arange(45)):  # the batch axis is dynamic
        part = data.subset(rows)
        feeds = {f"x_{m}": part.features[m] for m in part.modalities}
        feeds["mask"] = part.mask.astype(np.float32)
        scores, attention = session.run(["scores", "attention"], feeds)
        expected_scores, expected_attention = trained.predict(part)
        assert np.abs(scores - expected_scores).max() <= 1e-5
        assert np.abs(attention - expected_attention).max() <= 1e-5
