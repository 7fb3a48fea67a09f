"""The built-in captioner: an ONNX image encoder, ONNX decoder sessions and a search loop.

No torch at run time: pictures are preprocessed as the manifest says, encoded once, and the
decoder is stepped with its past key/values by :mod:`.generation` (greedy or beam search, as
``transformers``' ``generate`` does it); ids become words with the plugin's ``tokenizer.json``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image

from mmdesk.errors import ModelError, PluginError
from mmdesk.plugins.runtimes.generation import GenerationConfig, generate
from mmdesk.plugins.runtimes.preprocess import preprocess_image
from mmdesk.plugins.runtimes.seq2seq import DecoderSessions, OnnxDecoding
from mmdesk.plugins.session import SessionOptions, make_session
from mmdesk.plugins.specs import CaptionerSpec

log = logging.getLogger(__name__)


def build_captioner(spec: CaptionerSpec, options: SessionOptions) -> Any:
    """The built-in runtime a captioner manifest asks for: label-based or encoder-decoder."""
    if spec.labels:
        from mmdesk.plugins.runtimes.label_captioner import LabelCaptioner

        return LabelCaptioner(spec, options)
    if not spec.decoder:
        raise PluginError(f"captioner {spec.id!r}: the built-in runtime needs a [decoder] table")
    return OnnxCaptioner(spec, options)


def generation_config(spec: CaptionerSpec) -> GenerationConfig:
    """The manifest's ``[generation]`` table as search settings."""
    g = spec.generation
    eos = tuple(int(i) for i in g.get("eos_ids", ()))
    return GenerationConfig(
        max_length=spec.max_length,
        num_beams=int(g.get("num_beams", 1)),
        length_penalty=float(g.get("length_penalty", 1.0)),
        early_stopping=g.get("early_stopping", False),
        no_repeat_ngram_size=int(g.get("no_repeat_ngram_size", 0)),
        eos_token_ids=eos,
        pad_token_id=int(g.get("pad_id", eos[0] if eos else 0)),
    )


class OnnxCaptioner:
    """Pictures -> sentences with an encoder-decoder exported to ONNX (optimum's layout)."""

    def __init__(self, spec: CaptionerSpec, options: SessionOptions | None = None) -> None:
        self.spec = spec
        self.options = options or SessionOptions()
        self.config = generation_config(spec)
        self._encoder: Any = None
        self._decoders = DecoderSessions()
        self._tokenizer: Any = None
        self._provider: str | None = None
        self._lock = threading.Lock()

    @property
    def provider(self) -> str | None:
        """Where the encoder runs (None until loaded)."""
        return self._provider

    def _load(self) -> None:
        with self._lock:
            if self._encoder is not None:
                return
            if self.spec.model is None:
                raise PluginError(f"captioner {self.spec.id!r} names no encoder model")
            self._encoder, self._provider = make_session(
                self.spec.path(self.spec.model), self.options
            )
            files = self.spec.decoder
            opened = {k: make_session(self.spec.path(v), self.options)[0] for k, v in files.items()}
            self._decoders = DecoderSessions(
                opened.get("model"), opened.get("with_past"), opened.get("merged")
            )
            self._decoders.check(self.spec.id)
            log.info("%s runs on %s", self.spec.id, self._provider)

    def preprocess(self, image: Image.Image) -> np.ndarray:
        """One picture -> float32 (3, size, size), as the model was trained."""
        return preprocess_image(image, self.spec.preprocess)

    def encode(self, pixels: np.ndarray) -> np.ndarray:
        """(N, 3, H, W) pixels -> the encoder's hidden states (N, S, D)."""
        self._load()
        name = self._encoder.get_inputs()[0].name
        try:
            return np.asarray(self._encoder.run(None, {name: pixels.astype(np.float32)})[0])
        except Exception as exc:  # onnxruntime's own error types
            raise ModelError(f"{self.spec.id}: encoder failed: {exc}") from exc

    def generate_ids(self, pixels: np.ndarray) -> list[list[int]]:
        """Token ids per picture, start tokens included (what ``generate`` returns)."""
        states = self.encode(pixels)
        beams = max(1, self.config.num_beams)
        decoding = OnnxDecoding(self._decoders, np.repeat(states, beams, axis=0), self.spec.id)
        start = [int(i) for i in self.spec.generation.get("start_ids", [0])]
        prompt = np.tile(np.asarray(start, np.int64), (len(pixels), 1))
        return generate(decoding, prompt, self.config)

    def decode(self, ids: list[int]) -> str:
        """Token ids -> text, special tokens dropped."""
        if self._tokenizer is None:
            from tokenizers import Tokenizer

            path = self.spec.path(str(self.spec.tokenizer.get("file", "tokenizer.json")))
            self._tokenizer = Tokenizer.from_file(str(path))
        skip = bool(self.spec.tokenizer.get("skip_special_tokens", True))
        return str(self._tokenizer.decode(ids, skip_special_tokens=skip)).strip()

    def caption(self, images: list[Image.Image], texts: Sequence[str] | None = None) -> list[str]:
        """One sentence per picture (``texts``, the words read in them, are not used here)."""
        if not images:
            return []
        pixels = np.stack([self.preprocess(i) for i in images])
        return [self.decode(ids) for ids in self.generate_ids(pixels)]
