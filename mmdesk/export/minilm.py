"""A minimal torch port of all-MiniLM-L6-v2 (BERT encoder, mean pooling, L2 normalisation).

Why our own ~60 lines instead of ``transformers``: the default-model build must run with torch,
safetensors and tokenizers only, and the exported graph should hold exactly what the runtime
needs (token type ids are always 0 for one-segment input, so they are baked in as a constant).

This module imports torch at the top on purpose: only the export code imports it, lazily, so
searching and indexing never load torch.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F


class _SelfAttention(nn.Module):
    """Query/key/value projections, named as in the Hugging Face checkpoint."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.query = nn.Linear(dim, dim)
        self.key = nn.Linear(dim, dim)
        self.value = nn.Linear(dim, dim)


class _DenseNorm(nn.Module):
    """Projection, residual add and LayerNorm (BERT's ``*.output`` blocks)."""

    def __init__(self, d_in: int, d_out: int, eps: float) -> None:
        super().__init__()
        self.dense = nn.Linear(d_in, d_out)
        self.LayerNorm = nn.LayerNorm(d_out, eps=eps)  # noqa: N815 - checkpoint name

    def forward(self, x: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dense(x) + residual)


class _Attention(nn.Module):
    def __init__(self, dim: int, eps: float) -> None:
        super().__init__()
        self.self = _SelfAttention(dim)
        self.output = _DenseNorm(dim, dim, eps)


class _Intermediate(nn.Module):
    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.dense = nn.Linear(dim, hidden)


class _Layer(nn.Module):
    """One post-LayerNorm transformer block with exact (erf) GELU, as BERT uses."""

    def __init__(self, dim: int, hidden: int, heads: int, eps: float) -> None:
        super().__init__()
        self.heads = heads
        self.attention = _Attention(dim, eps)
        self.intermediate = _Intermediate(dim, hidden)
        self.output = _DenseNorm(hidden, dim, eps)

    def _split(self, x: torch.Tensor) -> torch.Tensor:
        n, length, dim = x.shape
        return x.view(n, length, self.heads, dim // self.heads).transpose(1, 2)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        sa = self.attention.self
        q, k, v = self._split(sa.query(x)), self._split(sa.key(x)), self._split(sa.value(x))
        scores = q @ k.transpose(-1, -2) / (q.shape[-1] ** 0.5) + bias
        ctx = (scores.softmax(-1) @ v).transpose(1, 2).reshape(x.shape)
        x = self.attention.output(ctx, x)
        return self.output(F.gelu(self.intermediate.dense(x)), x)


class _Embeddings(nn.Module):
    def __init__(self, cfg: dict) -> None:
        super().__init__()
        dim = cfg["hidden_size"]
        self.word_embeddings = nn.Embedding(cfg["vocab_size"], dim)
        self.position_embeddings = nn.Embedding(cfg["max_position_embeddings"], dim)
        self.token_type_embeddings = nn.Embedding(cfg["type_vocab_size"], dim)
        self.LayerNorm = nn.LayerNorm(dim, eps=cfg["layer_norm_eps"])  # noqa: N815

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(input_ids.shape[1], device=input_ids.device)
        x = self.word_embeddings(input_ids) + self.position_embeddings(positions)
        return self.LayerNorm(x + self.token_type_embeddings.weight[0])


class _Encoder(nn.Module):
    def __init__(self, cfg: dict) -> None:
        super().__init__()
        args = (
            cfg["hidden_size"],
            cfg["intermediate_size"],
            cfg["num_attention_heads"],
            cfg["layer_norm_eps"],
        )
        self.layer = nn.ModuleList(_Layer(*args) for _ in range(cfg["num_hidden_layers"]))


class MiniLM(nn.Module):
    """Sentence embedding: ``(input_ids, attention_mask) -> (N, 384)`` unit vectors."""

    def __init__(self, cfg: dict) -> None:
        super().__init__()
        if cfg.get("hidden_act", "gelu") != "gelu":
            raise ValueError(f"unsupported activation {cfg['hidden_act']!r}")
        self.embeddings = _Embeddings(cfg)
        self.encoder = _Encoder(cfg)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        mask = attention_mask.to(self.embeddings.LayerNorm.weight.dtype)
        # A large negative bias (not -inf) keeps fully padded rows finite, as in transformers.
        bias = (1.0 - mask)[:, None, None, :] * torch.finfo(mask.dtype).min
        x = self.embeddings(input_ids)
        for layer in self.encoder.layer:
            x = layer(x, bias)
        summed = (x * mask[..., None]).sum(1)
        pooled = summed / mask.sum(1, keepdim=True).clamp(min=1e-9)
        return F.normalize(pooled, p=2.0, dim=-1, eps=1e-12)


def load_minilm(model_dir: Path) -> MiniLM:
    """Build the module from ``config.json`` and load ``model.safetensors`` strictly.

    Strict loading (bar the unused pooler head and the position-id buffer) turns a changed
    checkpoint layout into an error instead of silently random weights.
    """
    from safetensors.torch import load_file

    cfg = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    model = MiniLM(cfg)
    state = load_file(str(model_dir / "model.safetensors"))
    state = {
        k: v
        for k, v in state.items()
        if not k.startswith("pooler.") and k != "embeddings.position_ids"
    }
    model.load_state_dict(state, strict=True)
    return model.eval()


def embed_texts(model: MiniLM, tokenizer: Any, texts: list[str], batch: int = 250) -> torch.Tensor:
    """Unit embeddings of ``texts`` as a (len(texts), 384) float32 tensor.

    The forward pass runs in float64 and is rounded once at the end, so the label-embedding
    constant baked into ``image.onnx`` (and hence its sha256) does not depend on the number of
    threads or the BLAS kernel that summed the float32 products.
    """
    model64 = model.double()
    out = []
    try:
        for start in range(0, len(texts), batch):
            enc = tokenizer.encode_batch(texts[start : start + batch])
            ids = torch.tensor([e.ids for e in enc], dtype=torch.int64)
            mask = torch.tensor([e.attention_mask for e in enc], dtype=torch.int64)
            with torch.no_grad():
                out.append(model64(ids, mask))
    finally:
        model.float()
    return torch.cat(out).float()


def export_text_onnx(model: MiniLM, path: Path, opset: int = 17) -> None:
    """Write ``text.onnx``: int64 ``input_ids``/``attention_mask`` (N, L) -> ``embedding`` (N, 384).

    The TorchScript exporter is used (``dynamo=False``): it needs no ``onnxscript`` and gives
    byte-identical files for identical weights.
    """
    ids = torch.tensor([[101, 1037, 6302, 102], [101, 4937, 102, 0]], dtype=torch.int64)
    mask = (ids != 0).to(torch.int64)
    axes = {
        "input_ids": {0: "batch", 1: "length"},
        "attention_mask": {0: "batch", 1: "length"},
        "embedding": {0: "batch"},
    }
    with warnings.catch_warnings():  # the TorchScript exporter's notes are not actionable
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", DeprecationWarning)  # legacy exporter: see docstring
        torch.onnx.export(
            model,
            (ids, mask),
            str(path),
            dynamo=False,
            opset_version=opset,
            input_names=["input_ids", "attention_mask"],
            output_names=["embedding"],
            dynamic_axes=axes,
            do_constant_folding=True,
        )
