"""Shared fixtures of the sound-model tests: the ``sounds`` plugin, built once per session."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from mmdesk.plugins.runtimes.aisfx_audio import AisfxAudioEncoder
from mmdesk.plugins.specs import EncoderSpec

BUILD_MODULES = ("torch", "onnx", "onnxruntime", "aisfx")


@pytest.fixture(scope="session")
def sound_plugin_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plugins folder holding the ``sounds`` plugin (about 5 s to build on 2 cores).

    Skips where torch, onnx or aisfx (``pip install --no-deps aisfx==0.1.2``) are missing.
    """
    for module in BUILD_MODULES:
        pytest.importorskip(module, reason=f"building the sound model needs {module}")
    from mmdesk.export.sound_model import build_sound

    root = tmp_path_factory.mktemp("sound-plugins")
    build_sound(root / "sounds")
    return root


@pytest.fixture(scope="session")
def sound_spec(sound_plugin_root: Path) -> EncoderSpec:
    """The encoder spec read straight from the built plugin.toml (no discovery involved)."""
    folder = sound_plugin_root / "sounds"
    raw = tomllib.loads((folder / "plugin.toml").read_text(encoding="utf-8"))["encoders"][0]
    return EncoderSpec(
        id=raw["id"],
        space=raw["space"],
        modality=raw["modality"],
        dim=raw["dim"],
        model=raw["model"],
        folder=folder,
        plugin_id="sounds",
        plugin_version="test",
        preprocess=raw["preprocess"],
        io=raw["io"],
    )


@pytest.fixture(scope="session")
def sound_encoder(sound_spec: EncoderSpec) -> AisfxAudioEncoder:
    """The runtime on the built model, shared by the session's tests (it loads once)."""
    return AisfxAudioEncoder(sound_spec)
