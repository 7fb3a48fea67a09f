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


def trimmable_text(model: Any) -> bool:
    """Whether ``model``'s text tower can run on the texts' real length, not the padded one.

    True for open_clip's own causal text transformer (``CLIP`` with ``transformer``) pooled at
    the end token: with a causal mask no position before the end token sees the padding after
    it, so cutting the padding changes nothing. HF text towers attend both ways and keep the
    full length.
    """
    import torch
    from open_clip.transformer import ResidualAttentionBlock

    mask = getattr(model, "attn_mask", None)
    parts = ("transformer", "token_embedding", "positional_embedding", "ln_final")
    if not all(hasattr(model, name) for name in parts) or not isinstance(mask, torch.Tensor):
        return False
    blocks = getattr(model.transformer, "resblocks", None)
    if not getattr(model.transformer, "batch_first", False) or blocks is None:
        return False
    for block in blocks:
        attn = getattr(block, "attn", None)
        if type(block) is not ResidualAttentionBlock or hasattr(block, "ln_1_kv"):
            return False
        if not isinstance(attn, torch.nn.MultiheadAttention) or attn.in_proj_weight is None:
            return False
        if attn.bias_k is not None or attn.add_zero_attn:  # extras _block does not write out
            return False
    if getattr(model, "text_pool_type", None) not in ("argmax", "eos") or mask.ndim != 2:
        return False
    causal = torch.ones(mask.shape, dtype=torch.bool, device=mask.device).triu(1)
    return bool(torch.equal(torch.isneginf(mask), causal) and (mask[~causal] == 0).all())


def _block(block: Any, x: Any, mask: Any) -> Any:
    """One open_clip ``ResidualAttentionBlock`` (batch first), its attention written out:
    ``nn.MultiheadAttention`` traces its sequence length as a constant."""
    import torch.nn.functional as F

    attn = block.attn
    q, k, v = F.linear(block.ln_1(x), attn.in_proj_weight, attn.in_proj_bias).chunk(3, dim=-1)
    q, k, v = (t.unflatten(-1, (attn.num_heads, -1)).transpose(1, 2) for t in (q, k, v))
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask).transpose(1, 2).flatten(2)
    x = x + block.ls_1(attn.out_proj(out))
    return x + block.ls_2(block.mlp(block.ln_2(x)))


def _trimmed_text_tower(model: Any) -> Any:
    """``encode_text`` of open_clip's ``CLIP`` for ids of any length up to the context length:
    the positional embedding and causal mask are cut to the input's length."""
    import torch
    from open_clip.transformer import text_global_pool

    class TrimmedText(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, ids: torch.Tensor) -> torch.Tensor:
            m = self.model
            # positions taken from the ids themselves: a Python int from ids.shape would be
            # traced as a constant and fix the length again
            positions = torch.ones_like(ids[0]).cumsum(0) - 1
            cast = m.transformer.get_cast_dtype()
            x = m.token_embedding(ids).to(cast) + m.positional_embedding[positions].to(cast)
            mask = m.attn_mask.index_select(0, positions).index_select(1, positions)
            mask = mask.to(x.dtype)
            for block in m.transformer.resblocks:
                x = _block(block, x, mask)
            x = m.ln_final(x)
            eos = getattr(m, "text_eos_id", None)
            x = text_global_pool(x, ids, m.text_pool_type, eos_token_id=eos)
            if m.text_projection is None:
                return x
            if isinstance(m.text_projection, torch.nn.Linear):
                return m.text_projection(x)
            return x @ m.text_projection

    return TrimmedText().eval()


def export_tower(model: Any, modality: str, sample: Any, path: Path, opset: int) -> None:
    """Export the image or text tower of ``model`` with a dynamic batch dimension; a text
    tower for which :func:`trimmable_text` holds also gets a dynamic sequence length.

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
    if modality == "text" and trimmable_text(model):
        tower, axes[inputs[0]] = _trimmed_text_tower(model), {0: "batch", 1: "sequence"}
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
