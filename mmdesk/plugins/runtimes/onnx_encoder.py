"""The built-in ONNX image and text encoders: a manifest's model run by ONNX Runtime."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from PIL import Image

from mmdesk.errors import ModelError
from mmdesk.plugins.runtimes.preprocess import preprocess_image
from mmdesk.plugins.runtimes.tokenizers import Tokenize, make_tokenizer
from mmdesk.plugins.session import LazySession, SessionOptions
from mmdesk.plugins.specs import EncoderSpec
from mmdesk.store.vectors import normalise

log = logging.getLogger(__name__)


class _OnnxEncoder:
    """Shared lazy session handling: the model loads on first use, once, thread-safely."""

    def __init__(self, spec: EncoderSpec, options: SessionOptions | None = None) -> None:
        self.spec = spec
        self.options = options or SessionOptions()
        self._lazy = LazySession(spec.model_path, self.options, spec.id)

    @property
    def provider(self) -> str | None:
        return self._lazy.provider

    def session(self) -> Any:
        return self._lazy.get()

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
            raise ModelError(
                f"{self.spec.id} gave shape {result.shape}, manifest says dim {self.spec.dim}"
            )
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
        self._tokenizer: Tokenize | None = None

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
                feeds[name] = (tokens["input_ids"] != self.spec.tokenizer.get("pad_id", 0)).astype(
                    np.int64
                )
            else:
                raise ModelError(
                    f"{self.spec.id}: model input {name!r} is not produced by the tokenizer"
                )
        return self._run(feeds)
