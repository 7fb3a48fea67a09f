"""Building the ``sounds`` plugin: ONNX agrees with torch, two builds are byte-identical, the
manifest is valid and the registry runs it, and a failed build leaves nothing that looks done."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from mmdesk.config import Settings
from mmdesk.errors import ExportError
from mmdesk.export import sound_model
from mmdesk.plugins.specs import EncoderSpec


def test_onnx_model_reproduces_torch_on_real_spectrogram_blocks(sound_encoder) -> None:
    import torch

    batch = sound_model.probe_blocks()  # the runtime's front end on tones, noise, clicks...
    assert batch.shape[1:] == (100, 96) and len(batch) >= 6
    with torch.no_grad():
        want = sound_model.load_embedding_net()(torch.from_numpy(batch)).numpy()
    raw = sound_encoder.session().run(["embedding"], {"spectrogram": batch})[0]
    assert float(np.abs(raw - want).max()) < sound_model.PARITY_TOLERANCE
    want /= np.linalg.norm(want, axis=1, keepdims=True)
    np.testing.assert_allclose(sound_encoder.encode(batch), want, atol=1e-5)


def test_two_builds_are_byte_identical(sound_plugin_root: Path, tmp_path: Path) -> None:
    first = sound_plugin_root / "sounds"
    second = sound_model.build_sound(tmp_path / "sounds")
    names = sorted(p.name for p in first.iterdir())
    assert names == ["LICENSE-aisfx.txt", "plugin.toml", "sound.onnx"]
    assert names == sorted(p.name for p in second.iterdir())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert [p.name for p in tmp_path.iterdir()] == ["sounds"]  # no temporary folder left


def test_manifest_loads_and_the_registry_builds_the_audio_encoder(
    sound_plugin_root: Path, settings: Settings
) -> None:
    from mmdesk.plugins.contributions import AUDIO_ENCODER
    from mmdesk.plugins.manifest import load_manifest
    from mmdesk.plugins.registry import Registry
    from mmdesk.plugins.runtimes.aisfx_audio import AisfxAudioEncoder

    manifest = load_manifest(sound_plugin_root / "sounds")
    (spec,) = manifest.encoders
    assert (spec.id, spec.space, spec.modality, spec.dim) == (
        "sounds/aisfx",
        "aisfx-sound",
        "audio",
        512,
    )
    assert spec.preprocess == sound_model.PREPROCESS and manifest.licence == "CC-BY-4.0"
    settings.extra_plugin_dirs.append(sound_plugin_root)
    registry = Registry(settings)  # verifies the sha256 of every file
    encoder = registry.build(AUDIO_ENCODER, "sounds/aisfx")
    assert isinstance(encoder, AisfxAudioEncoder)
    vector = encoder.encode_audio(np.random.default_rng(0).standard_normal(20000), 22050)
    assert vector.shape == (512,) and abs(float(np.linalg.norm(vector)) - 1) < 1e-5
    assert encoder.provider == "CPUExecutionProvider"


def test_encode_takes_any_batch_in_steps_of_batch_size(sound_spec: EncoderSpec) -> None:
    from dataclasses import replace

    from mmdesk.plugins.runtimes.aisfx_audio import AisfxAudioEncoder

    batch = sound_model.probe_blocks()[:5]
    small = AisfxAudioEncoder(replace(sound_spec, options={"batch_size": 2}))
    whole = AisfxAudioEncoder(sound_spec)
    np.testing.assert_allclose(small.encode(batch), whole.encode(batch), atol=1e-5)
    assert whole.encode(batch[:0]).shape == (0, 512)
    assert whole.provider is not None


def test_missing_build_packages_are_named_with_the_pip_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "aisfx" else real(name, *a)
    )
    with pytest.raises(ExportError, match=r"aisfx.*pip install --no-deps aisfx==0\.1\.2"):
        sound_model.build_sound(tmp_path / "sounds")
    assert not (tmp_path / "sounds").exists()


def test_a_build_that_fails_parity_leaves_no_plugin(
    sound_plugin_root: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def disagree(net: object, model: Path) -> float:
        raise ExportError(f"{model.name} differs from torch by 1.00e+00 (max abs)")

    monkeypatch.setattr(sound_model, "check_parity", disagree)
    with pytest.raises(ExportError, match="differs from torch"):
        sound_model.build_sound(tmp_path / "sounds")
    assert list((tmp_path / "sounds").iterdir()) == []
    assert [p.name for p in tmp_path.iterdir()] == ["sounds"]
