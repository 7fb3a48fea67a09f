"""Built-in encoder runtimes: ONNX image and text encoders described by a manifest."""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol

import numpy as np
from PIL import Image

from mmdesk.errors import ModelError, PluginError
from mmdesk.plugins.manifest import EncoderSpec
from mmdesk.plugins.preprocess import preprocess_image
from mmdesk.plugins.session import SessionOptions, make_session
from mmdesk.store.vectors import normalise

log = logging.getLogger(__name__)


class Encoder(Protocol):
    """What the indexer and search need of any encoder, built-in or from plugin code."""

    spec: EncoderSpec

    @property
    def provider(self) -> str | None: ...


class ImageEncoder(Encoder, Protocol):
    def preprocess(self, image: Image.Image) -> np.ndarray: ...

    def encode(self, batch: np.ndarray) -> np.ndarray: ...


class TextEncoder(Encoder, Protocol):
    def encode_texts(self, texts: list[str]) -> np.ndarray: ...


class _OnnxEncoder:
    """Shared lazy session handling: the model loads on first use, once, thread-safely."""

    def __init__(self, spec: EncoderSpec, options: SessionOptions | None = None) -> None:
        self.spec = spec
        self.options = options or SessionOptions()
        self._session: Any = None
        self._provider: str | None = None
        self._lock = threading.Lock()

    @property
    def provider(self) -> str | None:
        return self._provider

    def session(self) -> Any:
        with self._lock:
            if self._session is None:
                self._session, self._provider = make_session(self.spec.model_path, self.options)
                log.info("%s runs on %s", self.spec.id, self._provider)
            return self._session

    def _run(self, feeds: dict[str, np.ndarray]) -> np.ndarray:
        session = self.session()
        output = self.spec.io.get("output")
        names = [output] if output else None
        try:
            result = session.run(names, feeds)[0]
        except Exception as exc:  # onnxruntime's own error types
            raise ModelError(f"{self.spec.id} failed: {exc}") from exc
        result = np.asarray(result, dtype=np.float32)
        if result.ndim != 2 or result.shape[1] != self.spec.dim:
            raise ModelError(f"{self.spec.id} gave shape {result.shape}, manifest says dim "
                             f"{self.spec.dim}")
        return normalise(result)


class OnnxImageEncoder(_OnnxEncoder):
    """Image -> vector. ``preprocess`` runs in decode threads; ``encode`` takes batches."""

    def preprocess(self, image: Image.Image) -> np.ndarray:
        return preprocess_image(image, self.spec.preprocess)

    def encode(self, batch: np.ndarray) -> np.ndarray:
        if len(batch) == 0:
            return np.zeros((0, self.spec.dim), np.float32)
        inputs = self.spec.io.get("inputs") or [self.session().get_inputs()[0].name]
        return self._run({inputs[0]: np.ascontiguousarray(batch, dtype=np.float32)})


class OnnxTextEncoder(_OnnxEncoder):
    """Text -> vector, with the tokenizer named in the manifest."""

    def __init__(self, spec: EncoderSpec, options: SessionOptions | None = None) -> None:
        super().__init__(spec, options)
        self._tokenizer: Any = None

    def tokenize(self, texts: list[str]) -> dict[str, np.ndarray]:
        if self._tokenizer is None:
            self._tokenizer = make_tokenizer(self.spec)
        return dict(self._tokenizer(texts))

    def encode_texts(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.spec.dim), np.float32)
        tokens = self.tokenize(list(texts))
        wanted = [i.name for i in self.session().get_inputs()]
        feeds = {}
        for name in wanted:
            if name in tokens:
                feeds[name] = tokens[name]
            elif name == "token_type_ids":
                feeds[name] = np.zeros_like(tokens["input_ids"])
            elif name == "attention_mask":
                feeds[name] = (tokens["input_ids"] != self.spec.tokenizer.get("pad_id", 0)
                               ).astype(np.int64)
            else:
                raise ModelError(f"{self.spec.id}: model input {name!r} is not produced by the "
                                 "tokenizer")
        return self._run(feeds)


def make_tokenizer(spec: EncoderSpec) -> Any:
    """A callable texts -> {input name: int64 array} for the manifest's tokenizer kind."""
    cfg = spec.tokenizer
    kind = cfg.get("kind", "hf")
    path = spec.folder / str(cfg.get("file", "tokenizer.json"))
    length = int(cfg.get("context_length", 77))
    if kind == "hf" and cfg.get("clean"):  # open_clip's HF models (SigLIP): clean, then tokenise
        from mmdesk.plugins.openclip_tokenizer import HfClipTokenizer

        hf_clip = HfClipTokenizer(path, length, int(cfg.get("pad_id", 0)), str(cfg["clean"]))
        return lambda texts: {"input_ids": hf_clip(texts)}
    if kind == "hf":
        return _HfTokenizer(path, length, cfg.get("pad", "longest"), int(cfg.get("pad_id", 0)),
                            bool(cfg.get("lowercase", False)))
    if kind == "openclip":
        from mmdesk.plugins.openclip_tokenizer import OpenClipTokenizer

        tok = OpenClipTokenizer(path, context_length=length, clean=str(cfg.get("clean", "lower")))
        return lambda texts: {"input_ids": tok(texts)}
    raise PluginError(f"{spec.id}: unknown tokenizer kind {kind!r}")


class _HfTokenizer:
    """A `tokenizers` JSON file, truncated and padded as the manifest says."""

    def __init__(self, path: Any, length: int, pad: str, pad_id: int, lowercase: bool) -> None:
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
        return {"input_ids": np.asarray([e.ids for e in encodings], np.int64),
                "attention_mask": np.asarray([e.attention_mask for e in encodings], np.int64)}
