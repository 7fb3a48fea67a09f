"""The ONNX loop gives exactly the token ids ``transformers``' ``generate`` gives."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mmdesk.cli import main
from mmdesk.plugins.manifest import load_manifest
from mmdesk.plugins.runtimes.onnx_captioner import OnnxCaptioner

SETTINGS = [
    {"num_beams": 1, "no_repeat_ngram_size": 0, "length_penalty": 1.0},
    {"num_beams": 1, "no_repeat_ngram_size": 2, "length_penalty": 1.0},
    {"num_beams": 3, "no_repeat_ngram_size": 0, "length_penalty": 1.0},
    {"num_beams": 3, "no_repeat_ngram_size": 2, "length_penalty": 1.0},
    {"num_beams": 4, "no_repeat_ngram_size": 3, "length_penalty": 0.6},
]


@pytest.fixture(scope="module")
def exported(tiny_models: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Each tiny model exported with ``mmdesk models export captioner --hf FOLDER``."""
    root = tmp_path_factory.mktemp("exported")
    out = {}
    for name, folder in tiny_models.items():
        target = root / f"caption-{name}"
        argv = ["models", "export", "captioner", "--hf", str(folder), "--out", str(target)]
        assert main(argv) == 0
        out[name] = target
    return out


def _hf_ids(folder: Path, pixels: np.ndarray, max_length: int, **settings: object) -> list:
    import torch

    from mmdesk.export.hf_captioner import generation_ids, load_model

    model = load_model(str(folder))
    ids = generation_ids(model)
    extra = {}
    if model.config.model_type != "blip":
        extra = {"decoder_start_token_id": ids["start"][0], "eos_token_id": ids["eos"]}
        extra["pad_token_id"] = ids["pad"]
    with torch.no_grad():
        out = model.generate(
            pixel_values=torch.from_numpy(pixels),
            max_length=max_length,
            do_sample=False,
            early_stopping=False,
            **settings,
            **extra,
        )
    return out.tolist()


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: "-".join(map(str, s.values())))
@pytest.mark.parametrize("model", ["vit-gpt2", "blip"])
def test_token_ids_match_generate(
    exported: dict, tiny_models: dict, model: str, settings: dict
) -> None:
    spec = load_manifest(exported[model]).captioners[0]
    captioner = OnnxCaptioner(spec)
    captioner.config = dataclasses.replace(captioner.config, max_length=18, **settings)
    pixels = np.random.default_rng(1).standard_normal((3, 3, 32, 32)).astype(np.float32)
    want = _hf_ids(tiny_models[model], pixels, 18, **settings)
    assert captioner.generate_ids(pixels) == want
    assert len({tuple(row) for row in want}) > 1  # the pictures really differ


@pytest.mark.parametrize("model", ["vit-gpt2", "blip"])
def test_a_batch_of_pictures_gets_one_sentence_each(exported: dict, model: str) -> None:
    spec = load_manifest(exported[model]).captioners[0]
    assert spec.entry is None and not spec.label_based
    colours = ["red", "green", "blue"]
    captions = OnnxCaptioner(spec).caption([Image.new("RGB", (40, 30), c) for c in colours])
    assert len(captions) == 3 and all(isinstance(c, str) and c for c in captions)
