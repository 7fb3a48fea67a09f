"""An exported CLAP plugin at work: its runtimes, the registry, and the CLI that installs it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from clap_kit import specs_of

from mmdesk.cli import main
from mmdesk.config import Settings
from mmdesk.errors import PluginError
from mmdesk.plugins.contributions import AUDIO_ENCODER, TEXT_ENCODER
from mmdesk.plugins.registry import Registry
from mmdesk.plugins.runtimes.clap_audio import ClapAudioEncoder
from mmdesk.plugins.runtimes.onnx_encoder import OnnxTextEncoder
from mmdesk.plugins.session import SessionOptions

pytest.importorskip("transformers")
RATE = 48000


def _sound(seconds: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(int(seconds * RATE)) * 0.1).astype(np.float32)


@pytest.fixture(scope="module")
def runtimes(clap_plugin: Path) -> tuple[ClapAudioEncoder, OnnxTextEncoder]:
    specs, options = specs_of(clap_plugin), SessionOptions("cpu", 1)
    return ClapAudioEncoder(specs["audio"], options), OnnxTextEncoder(specs["text"], options)


def test_words_and_sounds_become_unit_vectors_of_one_space(
    runtimes: tuple[ClapAudioEncoder, OnnxTextEncoder],
) -> None:
    audio, text = runtimes
    words = text.encode_texts(["a dog barking", "rain on a tin roof", ""])
    assert words.shape == (3, 16) and np.allclose(np.linalg.norm(words, axis=1), 1, atol=1e-5)
    sound = audio.encode_audio(_sound(0.4, 0), RATE)
    assert sound.shape == (16,) and abs(np.linalg.norm(sound) - 1) < 1e-5
    assert audio.provider == "CPUExecutionProvider"
    assert np.array_equal(audio.encode_audio(_sound(0.4, 0), RATE), sound)  # no random crop
    assert not np.allclose(audio.encode_audio(_sound(0.4, 1), RATE), sound)


def test_a_long_sound_is_the_mean_of_its_windows(
    runtimes: tuple[ClapAudioEncoder, OnnxTextEncoder],
) -> None:
    audio, _ = runtimes
    long = _sound(2.5, 2)
    windows = audio.preprocess_audio(long, RATE)
    assert windows.shape == (3, 1, 101, 16) and windows.dtype == np.float32
    vectors = audio.encode(np.concatenate([windows, audio.preprocess_audio(long[:9000], RATE)]))
    assert vectors.shape == (4, 16)  # windows of several sounds in one batch
    pooled = vectors[:3].mean(0) / np.linalg.norm(vectors[:3].mean(0))
    np.testing.assert_allclose(audio.encode_audio(long, RATE), pooled, atol=1e-6)
    assert audio.encode(windows[:0]).shape == (0, 16)


def test_a_broken_front_end_table_is_a_plugin_error(clap_plugin: Path) -> None:
    spec = specs_of(clap_plugin)["audio"]
    bad = {k: v for k, v in spec.preprocess.items() if k != "hop"}
    with pytest.raises(PluginError, match="hop"):
        ClapAudioEncoder(type(spec)(**{**spec.__dict__, "preprocess": bad}))
    outside = {**spec.preprocess, "mel_filters": "../mel.npy"}
    with pytest.raises(PluginError, match="outside"):
        ClapAudioEncoder(type(spec)(**{**spec.__dict__, "preprocess": outside}))


def _registry_space(settings: Settings, pid: str) -> None:
    registry = Registry(settings)
    problems = [d.error for d in registry.discovered() if not d.ok]
    assert problems == []
    space = registry.spaces()[pid]
    assert space.serves("audio") and space.searchable
    assert space.encoder_ids() == [f"{pid}/audio"]
    audio = registry.build(AUDIO_ENCODER, f"{pid}/audio")
    text = registry.build(TEXT_ENCODER, f"{pid}/text")
    assert isinstance(audio, ClapAudioEncoder)
    score = float(text.encode_texts(["a dog barking"])[0] @ audio.encode_audio(_sound(1, 3), RATE))
    assert -1.0 <= score <= 1.0


def test_the_plugin_loads_through_the_registry(
    clap_plugin: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mmdesk import config

    monkeypatch.setenv("MMDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MMDESK_PLUGIN_PATH", str(clap_plugin.parent))
    monkeypatch.setattr(config, "BUNDLED_PLUGINS", tmp_path / "no-bundled-plugins")
    _registry_space(config.Settings(threads=1), "clap-tiny-clap")


def test_the_cli_exports_a_local_folder_into_the_user_plugins(
    settings: Settings, tiny_clap: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["models", "export", "clap", "--hf", str(tiny_clap), "--name", "mine"]) == 0
    folder = settings.user_plugin_dir / "clap-mine"
    assert (folder / "plugin.toml").is_file() and (folder / "audio.onnx").is_file()
    assert "clap-mine" in capsys.readouterr().out
    assert main(["models", "export", "clap", "--hf", str(tiny_clap), "--name", "mine"]) == 1
    _registry_space(settings, "clap-mine")
