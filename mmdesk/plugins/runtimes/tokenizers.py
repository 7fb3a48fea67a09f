"""Tokenizers named by a text encoder's ``[encoders.tokenizer]`` table.

Reading a tokenizer file takes tens of milliseconds, so each one is built once per process and
shared by every encoder that names the same file with the same settings (the key holds the
file's size and mtime, so a replaced file is read again).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from mmdesk.errors import PluginError
from mmdesk.plugins.specs import EncoderSpec

Tokenize = Callable[[list[str]], dict[str, np.ndarray]]
_built: dict[str, Tokenize] = {}
_lock = threading.Lock()


def make_tokenizer(spec: EncoderSpec) -> Tokenize:
    """A callable texts -> {input name: int64 array} for the manifest's tokenizer kind, built
    once per process for each (file, settings)."""
    key = tokenizer_key(spec)
    with _lock:
        tokenize = _built.get(key)
        if tokenize is None:
            tokenize = _built[key] = _build(spec)
        return tokenize


def tokenizer_key(spec: EncoderSpec) -> str:
    """What decides a tokenizer's output: its settings and its file (path, size, mtime)."""
    path = spec.folder / str(spec.tokenizer.get("file", "tokenizer.json"))
    try:
        info = path.stat()
        stamp = f"{info.st_size}|{info.st_mtime_ns}"
    except OSError:
        stamp = "missing"
    settings = json.dumps(spec.tokenizer, sort_keys=True, default=str)
    return f"{path.absolute()}|{stamp}|{settings}"


def _build(spec: EncoderSpec) -> Tokenize:
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
