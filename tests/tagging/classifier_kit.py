"""A tiny hand-made classifier plugin in the exact layout ``mmdesk train`` writes.

Its ONNX graph takes ``x_image`` (N, 8) and ``mask`` (N, 1) and gives ``scores`` (N, 2) and
``attention`` (N, 1): "warm" scores the toy image vector's red axis, "cool" its blue axis, so
red photos are predicted warm and blue ones cool.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from mmdesk_testing import TOY_DIM

from mmdesk.core.library import Library

LABELS = ("warm", "cool")
THRESHOLDS = {"warm": 0.6, "cool": 0.6}


def classifier_model(path: Path) -> None:
    """Write the ONNX classifier: sigmoid(x @ w - 1) * mask, attention = mask."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    weight = np.zeros((TOY_DIM, len(LABELS)), np.float32)
    weight[0, 0] = weight[2, 1] = 10.0
    nodes = [
        helper.make_node("MatMul", ["x_image", "w"], ["logits"]),
        helper.make_node("Add", ["logits", "b"], ["shifted"]),
        helper.make_node("Sigmoid", ["shifted"], ["raw"]),
        helper.make_node("Mul", ["raw", "mask"], ["scores"]),
        helper.make_node("Identity", ["mask"], ["attention"]),
    ]
    f = TensorProto.FLOAT
    graph = helper.make_graph(
        nodes,
        "toy_classifier",
        [
            helper.make_tensor_value_info("x_image", f, ["n", TOY_DIM]),
            helper.make_tensor_value_info("mask", f, ["n", 1]),
        ],
        [
            helper.make_tensor_value_info("scores", f, ["n", len(LABELS)]),
            helper.make_tensor_value_info("attention", f, ["n", 1]),
        ],
        [
            numpy_helper.from_array(weight, "w"),
            numpy_helper.from_array(np.array([-1.0], np.float32), "b"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=9)
    onnx.save(model, str(path))


def build_classifier_plugin(
    root: Path, plugin_id: str = "classifier-warmth", trained_at: float | None = None
) -> Path:
    """Write ``root/<plugin_id>/`` with classifier.onnx and an api-2 plugin.toml."""
    folder = root / plugin_id
    folder.mkdir(parents=True, exist_ok=True)
    classifier_model(folder / "classifier.onnx")
    sha = hashlib.sha256((folder / "classifier.onnx").read_bytes()).hexdigest()
    thresholds = ", ".join(f"{t} = {v}" for t, v in THRESHOLDS.items())
    when = "" if trained_at is None else f", trained_at = {trained_at}"
    options = (
        f'modalities = ["image"], dims = {{image = {TOY_DIM}}}, '
        f"thresholds = {{{thresholds}}}, metrics = {{macro_f1 = 0.9}}{when}"
    )
    (folder / "plugin.toml").write_text(f'''id = "{plugin_id}"
name = "Your tags: warm, cool"
version = "1"
api = 2

[files]
"classifier.onnx" = "{sha}"

[[classifiers]]
id = "{plugin_id}/tags"
model = "classifier.onnx"
space = "toy-colours"
labels = ["warm", "cool"]
options = {{{options}}}
''')
    return folder


def item(lib: Library, path: Path) -> int:
    """The item of an indexed path."""
    found = lib.item_for_path(path)
    assert found is not None, path
    return found
