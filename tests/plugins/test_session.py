"""The ONNX session factory: provider choice and honest reporting of the provider used."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from mmdesk.errors import ModelError
from mmdesk.plugins.session import SessionOptions, make_session, wanted_providers

ALL = ["CUDAExecutionProvider", "CoreMLExecutionProvider", "CPUExecutionProvider"]


def test_provider_preference_is_filtered_by_availability() -> None:
    assert wanted_providers("auto", ALL) == ALL
    assert wanted_providers("auto", ["CPUExecutionProvider"]) == ["CPUExecutionProvider"]
    assert wanted_providers("cpu", ALL) == ["CPUExecutionProvider"]
    assert wanted_providers("cuda", ALL) == ["CUDAExecutionProvider", "CPUExecutionProvider"]
    with pytest.raises(ModelError, match="unknown device"):
        wanted_providers("tpu", ALL)


def test_cuda_request_without_cuda_falls_back_and_says_so(
    toy_plugin_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import onnxruntime as ort

    model = toy_plugin_dir / "toy" / "image.onnx"
    with caplog.at_level(logging.WARNING):
        session, used = make_session(model, SessionOptions("cuda", intra_threads=1))
    assert used == session.get_providers()[0]
    if "CUDAExecutionProvider" not in ort.get_available_providers():
        assert used == "CPUExecutionProvider"
        assert "CUDA was asked for" in caplog.text


def test_a_broken_model_file_gives_a_model_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="cannot load model"):
        make_session(bad, SessionOptions("cpu"))
