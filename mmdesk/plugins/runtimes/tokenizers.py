"""Tokenizers named by a text encoder's ``[encoders.tokenizer]`` table."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from mmdesk.errors import PluginError
from mmdesk.plugins.specs import EncoderSpec

Tokenize = Callable[[list[str]], dict[str, np.ndarray]]


def make_tokenizer(spec: EncoderSpec) -> Tokenize:
    """A callable texts -> {input name: int64 array} for the manifest's tokenizer kind."""
    cfg = spec.tokenizer
    kind = cfg.get("kind", "hf")
    path = spec.folder / str(cfg.get("file", "tokenizer.json"))
    length = int(cfg.get("context_length", 77))
    if kind == "hf" and cfg.get("clean"):  # open_clip's HF models (SigLIP): clean, then tokenise
        from mmdesk.plugins.runtimes.openclip_tokenizer import HfClipTokenizer

        hf_clip = HfClipTokenizer(path, length, int(cfg.get("pad_id", 0)), str(cfg["clean"]))
        return lambda texts: {"input_ids": hf_clip(texts)}
    if kind == "hf":
        return _HfTokenizer(
            path,
            length,
            cfg.get("pad", "longest"),
            int(cfg.get("pad_id", 0)),
            bool(cfg.get("lowercase", False)),
        )
    if kind == "openclip":
        from mmdesk.plugins.runtimes.openclip_tokenizer import OpenClipTokenizer

        tok = OpenClipTokenizer(path, context_length=length, clean=str(cfg.get("clean", "lower")))
        return lambda texts: {"input_ids": tok(texts)}
    raise PluginError(f"{spec.id}: unknown tokenizer kind {kind!r}")


class _HfTokenizer:
    """A `tokenizers` JSON file, truncated and padded as the manifest says."""

    def __init__(self, path: Path, length: int, pad: str, pad_id: int, lowercase: bool) -> None:
        from tokenizers import Tokenizer

        try:
            self.tok = Tokenizer.from_file(str(path))
        except Exception as exc:
            raise PluginError(f"cannot read tokenizer {path}: {exc}") from exc
        self.tok.enable_truncation(max_length=length)
        if pad == "max":
            self.tok.enable_padding(pad_id=pad_id, length=length)
        else:
            self.tok.enable_padding(pad_id=pad_id)
        self.lowercase = lowercase

    def __call__(self, texts: list[str]) -> dict[str, np.ndarray]:
        texts = [t.lower() for t in texts] if self.lowercase else texts
        encodings = self.tok.encode_batch(texts)
        return {
            "input_ids": np.asarray([e.ids for e in encodings], np.int64),
            "attention_mask": np.asarray([e.attention_mask for e in encodings], np.int64),
        }
