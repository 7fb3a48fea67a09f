"""Tokenizers named by a text encoder's ``[encoders.tokenizer]`` table.

Reading a tokenizer file takes tens of milliseconds, so each one is built once per process and
shared by every encoder that names the same file with the same settings (the key holds the
file's size and mtime, so a replaced file is read again). The "no good matches" rule reads
words with the same object (:func:`vocab_tokenizer`). open_clip's BPE merges are also kept
between processes, as compact tables in the cache folder (see ``openclip_tokenizer``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from mmdesk.errors import PluginError
from mmdesk.plugins.specs import EncoderSpec

Tokenize = Callable[[list[str]], dict[str, np.ndarray]]
_built: dict[str, Tokenize] = {}
_lock = threading.Lock()


def make_tokenizer(spec: EncoderSpec, cache_dir: Path | None = None) -> Tokenize:
    """A callable texts -> {input name: int64 array} for the manifest's tokenizer kind, built
    once per process for each (file, settings); ``cache_dir`` keeps what can be kept between
    processes (open_clip's merge tables)."""
    key = tokenizer_key(spec)
    with _lock:
        tokenize = _built.get(key)
        if tokenize is None:
            tokenize = _built[key] = _build(spec, cache_dir)
        return tokenize


def vocab_tokenizer(spec: EncoderSpec) -> Any | None:
    """The ``tokenizers.Tokenizer`` behind the encoder's tokenizer (the same object, built by
    :func:`make_tokenizer` once), for reading words rather than encoding texts; None for a
    tokenizer of another kind (open_clip's BPE). Raises PluginError when the file is bad."""
    if spec.tokenizer.get("kind", "hf") != "hf":
        return None
    built = make_tokenizer(spec)
    return getattr(built, "tok", None)


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


def _build(spec: EncoderSpec, cache_dir: Path | None) -> Tokenize:
    cfg = spec.tokenizer
    kind = cfg.get("kind", "hf")
    path = spec.folder / str(cfg.get("file", "tokenizer.json"))
    length = int(cfg.get("context_length", 77))
    if kind == "hf" and cfg.get("clean"):  # open_clip's HF models (SigLIP): clean, then tokenise
        from mmdesk.plugins.runtimes.openclip_tokenizer import HfClipTokenizer

        return _HfClip(HfClipTokenizer(path, length, int(cfg.get("pad_id", 0)), str(cfg["clean"])))
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

        clean = str(cfg.get("clean", "lower"))
        tok = OpenClipTokenizer(path, context_length=length, clean=clean, cache_dir=cache_dir)
        return lambda texts: {"input_ids": tok(texts)}
    raise PluginError(f"{spec.id}: unknown tokenizer kind {kind!r}")


class _HfClip:
    """open_clip's HF tokenizer (SigLIP) as a :data:`Tokenize`; ``tok`` is its tokenizer."""

    def __init__(self, hf_clip: Any) -> None:
        self.hf_clip = hf_clip
        self.tok = hf_clip.tokenizer

    def __call__(self, texts: list[str]) -> dict[str, np.ndarray]:
        return {"input_ids": self.hf_clip(texts)}


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
