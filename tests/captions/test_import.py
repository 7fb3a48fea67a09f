"""``mmdesk models import DIR`` on a folder in optimum's layout.

optimum's exporter cannot be installed beside this transformers (it pins transformers<4.58),
so the layout is written with mmdesk's own torch.onnx export, file names, input and output
names as optimum writes them (encoder_model.onnx, decoder_model.onnx,
decoder_with_past_model.onnx, past_key_values.{i}.{decoder,encoder}.{key,value}).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mmdesk.cli import main
from mmdesk.config import Settings
from mmdesk.plugins.contributions import CAPTIONER
from mmdesk.plugins.registry import Registry


@pytest.fixture()
def optimum_folder(tiny_models: dict, tmp_path: Path) -> Path:
    """The tiny ViT-GPT2 exported in optimum's layout, with its configs and tokenizer."""
    from transformers import AutoImageProcessor, AutoTokenizer

    from mmdesk.export.hf_captioner import generation_ids, load_model, write_optimum_layout

    src, out = tiny_models["vit-gpt2"], tmp_path / "vit-gpt2-onnx"
    out.mkdir()
    model = load_model(str(src))
    write_optimum_layout(model, out, 32)
    AutoTokenizer.from_pretrained(src).save_pretrained(out)
    AutoImageProcessor.from_pretrained(src).save_pretrained(out)
    model.config.save_pretrained(out)
    ids = generation_ids(model)
    gen = {"decoder_start_token_id": ids["start"][0], "eos_token_id": ids["eos"][0]}
    (out / "generation_config.json").write_text(json.dumps(gen | {"max_length": 12}))
    return out


def test_an_optimum_folder_becomes_a_checksummed_plugin(
    optimum_folder: Path, settings: Settings
) -> None:
    assert main(["models", "import", str(optimum_folder)]) == 0
    registry = Registry(settings)
    found = [d for d in registry.discovered() if d.folder.name == "caption-vit-gpt2-onnx"]
    assert found and found[0].ok, found and found[0].error
    manifest = found[0].manifest
    assert manifest is not None and "decoder_with_past_model.onnx" in manifest.files
    captioner = registry.build(CAPTIONER, "caption-vit-gpt2-onnx/caption")
    pixels = np.zeros((2, 3, 32, 32), np.float32)
    ids = captioner.generate_ids(pixels)  # type: ignore[attr-defined]
    assert [len(row) for row in ids] == [12, 12] or all(row[-1] == 0 for row in ids)


def test_a_changed_model_file_is_refused(optimum_folder: Path, settings: Settings) -> None:
    assert main(["models", "import", str(optimum_folder)]) == 0
    folder = settings.user_plugin_dir / "caption-vit-gpt2-onnx"
    with (folder / "decoder_model.onnx").open("ab") as f:
        f.write(b"\0")
    found = [d for d in Registry(settings).discovered() if d.folder == folder]
    assert found and not found[0].ok


def test_a_folder_without_a_decoder_is_an_error(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "encoder_model.onnx").write_bytes(b"")
    assert main(["models", "import", str(tmp_path)]) == 1
