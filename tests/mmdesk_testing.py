"""Test helpers shared by every test folder (a uniquely named module, unlike conftest).

The toy plugin is a real plugin folder with real ONNX files, built here with onnx.helper: its
image encoder maps an image to its mean colour, its text encoder maps the words "red", "green"
and "blue" to those colours. So searching "red" finds red photos — a cross-modal model small
enough to make every indexer, search and GUI test fast and meaningful.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from PIL import Image

COLOURS = {"red": (220, 30, 30), "green": (30, 200, 40), "blue": (30, 40, 220)}
TOY_VOCAB = ["[PAD]", "[UNK]", "red", "green", "blue", "a", "photo", "of"]
TOY_DIM = 8


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _toy_image_model(path: Path) -> None:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    weight = np.zeros((3, TOY_DIM), np.float32)
    weight[:3, :3] = np.eye(3)
    weight[:, 3] = 0.05  # a little shared signal so no vector is ever all zero
    nodes = [
        helper.make_node("ReduceMean", ["pixel_values", "axes"], ["mean"], keepdims=0),
        helper.make_node("Sub", ["mean", "half"], ["centred"]),
        helper.make_node("MatMul", ["centred", "w"], ["embedding"]),
    ]
    graph = helper.make_graph(
        nodes,
        "toy_image",
        [helper.make_tensor_value_info("pixel_values", TensorProto.FLOAT, ["n", 3, 32, 32])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["n", TOY_DIM])],
        [
            numpy_helper.from_array(np.array([2, 3], np.int64), "axes"),
            numpy_helper.from_array(np.array([0.5], np.float32), "half"),
            numpy_helper.from_array(weight, "w"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=9)
    onnx.save(model, str(path))


def _toy_text_model(path: Path) -> None:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    table = np.zeros((len(TOY_VOCAB), TOY_DIM), np.float32)
    for word, row in (
        ("red", (0.5, -0.5, -0.5)),
        ("green", (-0.5, 0.5, -0.5)),
        ("blue", (-0.5, -0.5, 0.5)),
    ):
        table[TOY_VOCAB.index(word), :3] = row
    table[:, 3] = 0.05
    nodes = [
        helper.make_node("Gather", ["table", "input_ids"], ["vectors"]),
        helper.make_node("Cast", ["attention_mask"], ["maskf"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["maskf", "last"], ["mask3"]),
        helper.make_node("Mul", ["vectors", "mask3"], ["masked"]),
        helper.make_node("ReduceSum", ["masked", "one"], ["embedding"], keepdims=0),
    ]
    ints = TensorProto.INT64
    graph = helper.make_graph(
        nodes,
        "toy_text",
        [
            helper.make_tensor_value_info("input_ids", ints, ["n", "l"]),
            helper.make_tensor_value_info("attention_mask", ints, ["n", "l"]),
        ],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["n", TOY_DIM])],
        [
            numpy_helper.from_array(table, "table"),
            numpy_helper.from_array(np.array([-1], np.int64), "last"),
            numpy_helper.from_array(np.array([1], np.int64), "one"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=9)
    onnx.save(model, str(path))


def _toy_tokenizer(path: Path) -> None:
    from tokenizers import Tokenizer, normalizers, pre_tokenizers
    from tokenizers.models import WordLevel

    tok = Tokenizer(WordLevel({w: i for i, w in enumerate(TOY_VOCAB)}, unk_token="[UNK]"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.save(str(path))


def build_toy_plugin(folder: Path, plugin_id: str = "toy", space: str = "toy-colours") -> Path:
    """Write a complete, valid toy plugin folder."""
    folder.mkdir(parents=True, exist_ok=True)
    _toy_image_model(folder / "image.onnx")
    _toy_text_model(folder / "text.onnx")
    _toy_tokenizer(folder / "tokenizer.json")
    files = "\n".join(
        f'"{n}" = "{_sha(folder / n)}"' for n in ("image.onnx", "text.onnx", "tokenizer.json")
    )
    (folder / "plugin.toml").write_text(f'''id = "{plugin_id}"
name = "Toy colour model"
version = "0.1.0"
api = 1
licence = "CC0-1.0"
description = "Maps pictures to their mean colour and colour words to colours."

[files]
{files}

[[encoders]]
id = "{plugin_id}/image"
space = "{space}"
modality = "image"
dim = {TOY_DIM}
model = "image.onnx"
[encoders.preprocess]
size = 32
resize = "squash"
interpolation = "bilinear"
mean = [0.0, 0.0, 0.0]
std = [1.0, 1.0, 1.0]
[encoders.io]
inputs = ["pixel_values"]
output = "embedding"

[[encoders]]
id = "{plugin_id}/text"
space = "{space}"
modality = "text"
dim = {TOY_DIM}
model = "text.onnx"
[encoders.tokenizer]
kind = "hf"
file = "tokenizer.json"
context_length = 16
pad = "longest"
pad_id = 0
[encoders.io]
inputs = ["input_ids", "attention_mask"]
output = "embedding"
''')
    return folder


def make_photo(
    path: Path,
    colour: str | tuple[int, int, int],
    size: tuple[int, int] = (64, 48),
    seed: int = 0,
    fmt: str | None = None,
) -> Path:
    """A noisy solid-colour photo (each seed gives different bytes)."""
    rgb = COLOURS[colour] if isinstance(colour, str) else colour
    rng = np.random.default_rng(seed)
    noise = rng.integers(-12, 13, (size[1], size[0], 3))
    array = np.clip(np.array(rgb)[None, None, :] + noise, 0, 255).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path, format=fmt)
    return path


CAPTIONER_MANIFEST = """id = "cap"
name = "Test captioners"
version = "0.1.0"
api = 2
licence = "CC0-1.0"

[[captioners]]
id = "cap/guess"
entry = "plugin:Cap"
label_based = true

[[captioners]]
id = "cap/words"
entry = "plugin:Cap"
"""
CAPTIONER_CODE = """
class Cap:
    def __init__(self, spec, options):
        self.spec = spec

    def caption(self, images, texts=None):
        return [f"a picture by {self.spec.id}" for _ in images]
"""


def build_captioner_plugin(folder: Path) -> Path:
    """A plugin of plain code with a label-based (``cap/guess``) and a sentence
    (``cap/words``) captioner, each captioning "a picture by <its id>"."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plugin.toml").write_text(CAPTIONER_MANIFEST)
    (folder / "plugin.py").write_text(CAPTIONER_CODE)
    return folder


def exif_photo(path: Path, colour: tuple[int, int, int], taken: str, camera: str) -> Path:
    """A JPEG with an EXIF date ("YYYY:MM:DD HH:MM:SS") and camera (make + model)."""
    from PIL import Image

    make, model = camera.split(" ", 1)
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0132] = make, model, taken
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (64, 48), colour).save(path, exif=exif.tobytes())
    return path
