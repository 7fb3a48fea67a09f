"""Turn open_clip towers into ONNX files, and shrink them to fp16 or int8.

The towers are exported with torch's TorchScript-based exporter (``dynamo=False``): the dynamo
exporter needs ``onnxscript``, which mmdesk does not otherwise depend on, and the TorchScript
exporter handles every tower we tested (ViT, SigLIP's timm ViT, MobileCLIP's FastViT) with
dynamic batch.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from mmdesk.errors import ExportError

DEFAULT_OPSET = 17  # first opset with LayerNormalization, which keeps the graphs small
IMAGE_IO = (["pixel_values"], "embedding")
TEXT_IO = (["input_ids"], "embedding")
_MIN_FP16_ELEMENTS = 1024  # tiny tensors (biases, scales) are not worth converting


def _tower(model: Any, method: str) -> Any:
    """Wrap one of ``encode_image``/``encode_text`` as a module so it exports on its own."""
    import torch

    class Tower(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return getattr(self.model, method)(x)

    return Tower().eval()


def export_tower(model: Any, modality: str, sample: Any, path: Path, opset: int) -> None:
    """Export the image or text tower of ``model`` with a dynamic batch dimension.

    Args:
        model: An open_clip model in eval mode.
        modality: ``image`` or ``text``.
        sample: A batch to trace with (pixel tensor or int64 token ids).
        path: Output ``.onnx`` file.
        opset: ONNX opset version.
    """
    import torch

    inputs, output = IMAGE_IO if modality == "image" else TEXT_IO
    tower = _tower(model, "encode_image" if modality == "image" else "encode_text")
    axes = {inputs[0]: {0: "batch"}, output: {0: "batch"}}
    # Not under no_grad: that switches nn.MultiheadAttention to its fused fast path
    # (aten::_native_multi_head_attention), which has no ONNX export.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer and deprecation warnings about the exporter
        try:
            torch.onnx.export(
                tower,
                (sample,),
                str(path),
                input_names=inputs,
                output_names=[output],
                dynamic_axes=axes,
                opset_version=opset,
                dynamo=False,
                do_constant_folding=True,
            )
        except Exception as exc:  # noqa: BLE001 - the exporter raises many types, huge texts
            first = str(exc).strip().splitlines()[-1][:300] if str(exc).strip() else ""
            raise ExportError(
                f"ONNX export of the {modality} tower failed: {type(exc).__name__}: {first}"
            ) from exc


def to_fp16_weights(src: Path, dst: Path) -> None:
    """Store the large float32 weights of ``src`` as float16, computing in float32.

    Why not a float16 graph: onnxruntime's CPU kernels run float16 graphs slower than float32
    (about 20 % on ViT-B-32 here), and onnxruntime 1.32 segfaults while optimising such a
    graph (its NchwcTransformer) at the default optimisation level mmdesk uses. Float16
    weights with a Cast in front halve the file; onnxruntime folds the casts when it loads the
    model, so speed and outputs stay those of fp32 apart from the weight rounding.
    """
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(src))
    graph = model.graph
    kept, casts = [], []
    for init in graph.initializer:
        if init.data_type != TensorProto.FLOAT or np.prod(init.dims) < _MIN_FP16_ELEMENTS:
            kept.append(init)
            continue
        half = numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float16))
        half.name = f"{init.name}__fp16"
        kept.append(half)
        casts.append(helper.make_node("Cast", [half.name], [init.name], to=TensorProto.FLOAT))
    del graph.initializer[:]
    graph.initializer.extend(kept)
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.save(model, str(dst))


def to_int8(src: Path, dst: Path) -> None:
    """Dynamically quantise MatMul/Gemm weights and embedding tables (Gather) to int8.

    Activations stay float. Quantising the token embedding too shrinks ViT-B-32's text tower
    from 140 to 64 MB for a cosine change of 0.9989 -> 0.9985 (random weights). Convolutions
    are left in float: onnxruntime's ConvInteger is slow on CPU and the conv layers are a small
    part of these models (except MobileCLIP's image tower, which then shrinks less).
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(src),
        str(dst),
        weight_type=QuantType.QInt8,
        op_types_to_quantize=["MatMul", "Gemm", "Gather"],
    )
