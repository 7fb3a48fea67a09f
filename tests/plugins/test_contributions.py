"""Contribution kinds: built by (kind, id), built-ins and plugin code down the same path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from plugin_kit import CAPTIONER_CODE, append, copy_toy, edit

from mmdesk.config import Settings
from mmdesk.errors import PluginError
from mmdesk.plugins.contributions import (
    AUDIO_ENCODER,
    CAPTIONER,
    IMAGE_ENCODER,
    TEXT_ENCODER,
    TRANSCRIBER,
)
from mmdesk.plugins.registry import Registry
from mmdesk.plugins.runtimes.onnx_encoder import OnnxImageEncoder, OnnxTextEncoder


def _with_captioner(tmp_path: Path, toy_plugin_dir: Path, settings: Settings) -> Registry:
    folder = edit(copy_toy(toy_plugin_dir, tmp_path, "cap"), "api = 1", "api = 2")
    append(folder, '[[captioners]]\nid = "cap/caption"\nentry = "plugin:Cap"\n')
    (folder / "plugin.py").write_text(CAPTIONER_CODE)
    settings.extra_plugin_dirs.append(tmp_path)
    return Registry(settings)


def test_built_in_encoders_are_built_by_kind_and_id(settings: Settings) -> None:
    registry = Registry(settings)
    image = registry.build(IMAGE_ENCODER, "toy/image")
    text = registry.build(TEXT_ENCODER, "toy/text")
    assert isinstance(image, OnnxImageEncoder) and isinstance(text, OnnxTextEncoder)
    assert registry.build(IMAGE_ENCODER, "toy/image") is image  # built once
    assert registry.encoder("toy/text") is text  # the untyped lookup shares the cache
    red = image.preprocess(Image.new("RGB", (40, 40), (250, 0, 0)))
    scores = image.encode(red[None]) @ text.encode_texts(["red", "blue"]).T
    assert scores[0, 0] > scores[0, 1]


def test_an_id_of_another_kind_is_not_installed(settings: Settings) -> None:
    with pytest.raises(PluginError, match="text encoder 'toy/image' is not installed"):
        Registry(settings).build(TEXT_ENCODER, "toy/image")


def test_a_captioner_from_plugin_code(
    tmp_path: Path, toy_plugin_dir: Path, settings: Settings
) -> None:
    registry = _with_captioner(tmp_path, toy_plugin_dir, settings)
    assert set(registry.contributions(CAPTIONER)) == {"cap/caption"}
    captioner = registry.build(CAPTIONER, "cap/caption")
    assert captioner.caption([Image.new("RGB", (4, 4))]) == ["a picture by cap/caption"]
    assert registry.contributions(TRANSCRIBER) == {}


def test_an_audio_encoder_without_a_known_front_end_is_refused_and_plugin_code_runs(
    tmp_path: Path, toy_plugin_dir: Path, settings: Settings
) -> None:
    folder = edit(
        copy_toy(toy_plugin_dir, tmp_path, "ear"), 'modality = "image"', 'modality = "audio"'
    )
    settings.extra_plugin_dirs.append(tmp_path)
    registry = Registry(settings)
    assert "ear/image" in registry.contributions(AUDIO_ENCODER)
    with pytest.raises(PluginError, match="unknown preprocess kind"):
        registry.build(AUDIO_ENCODER, "ear/image")
    (folder / "plugin.py").write_text(
        "import numpy as np\nclass Ear:\n    def __init__(self, spec, options):\n"
        "        self.spec = spec\n"
        "    def preprocess_audio(self, samples, rate):\n"
        "        return np.ones((max(1, len(samples) // 10), 4), np.float32)\n"
        "    def encode(self, batch):\n        return np.ones((len(batch), 8))\n"
        "    def encode_audio(self, samples, rate):\n        return np.ones(8)\n"
    )
    edit(folder, 'id = "ear/image"', 'id = "ear/image"\nentry = "plugin:Ear"')
    registry.refresh()
    ear = registry.build(AUDIO_ENCODER, "ear/image")
    assert ear.preprocess_audio(np.zeros(30), 16000).shape == (3, 4)
    assert ear.encode_audio(np.zeros(10), 16000).shape == (8,)
    assert registry.space_for("audio", "ear-colours").encoders["audio"].id == "ear/image"
