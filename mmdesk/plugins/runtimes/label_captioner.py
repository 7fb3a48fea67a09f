"""A captioner without a captioning model: it words an image classifier's top classes.

No real captioner weights ship offline, so the default plugin's ``default/labels`` turns the
ImageNet class probabilities of its image model into an honest phrase ("probably a tabby cat;
maybe an Egyptian cat") and, when the picture holds text that OCR read, says so ("a page with
the words 'Region-based segmentation'"). Its manifest marks it ``label_based``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image

from mmdesk.errors import ModelError
from mmdesk.plugins.runtimes.preprocess import preprocess_image
from mmdesk.plugins.session import SessionOptions, make_session
from mmdesk.plugins.specs import CaptionerSpec

PROBABLY, PERHAPS, MAYBE = 0.5, 0.2, 0.1  # probability a class must reach for each word
PAGE_WORDS = 4  # this many words read in a picture make it "a page with the words ..."
QUOTED_WORDS = 8


def with_article(name: str) -> str:
    """``tabby cat`` -> ``a tabby cat``; ``Egyptian cat`` -> ``an Egyptian cat``."""
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def word_labels(probs: np.ndarray, names: Sequence[str]) -> str:
    """The top classes with how sure the classifier is, in words."""
    order = [int(i) for i in np.argsort(-probs, kind="stable")]
    first = order[0]
    # ImageNet names some classes alike ("missile" twice): the runner-up is another name
    second = next(i for i in order[1:] if names[i] != names[first])
    p = float(probs[first])
    lead = "probably" if p >= PROBABLY else "perhaps" if p >= PERHAPS else "possibly"
    text = f"{lead} {with_article(names[first])}"
    if float(probs[second]) >= MAYBE:
        text += f"; maybe {with_article(names[second])}"
    return text


def word_text(read: str) -> str:
    """The first words of the text read in a picture, quoted."""
    words = read.split()
    quoted = " ".join(words[:QUOTED_WORDS]) + (" ..." if len(words) > QUOTED_WORDS else "")
    return f"the words '{quoted}'"


def worth_quoting(read: str) -> bool:
    """Whether what OCR read is words rather than a stray glyph ("O", "|", "1"): at least one
    token with three letters or more."""
    return any(sum(c.isalpha() for c in token) >= 3 for token in read.split())


def describe(probs: np.ndarray, names: Sequence[str], read: str = "") -> str:
    """One caption from class probabilities and the text read in the picture (may be empty)."""
    if not worth_quoting(read):
        read = ""
    if len(read.split()) >= PAGE_WORDS:
        return f"a page with {word_text(read)}"
    labels = word_labels(probs, names)
    return f"{labels}, with {word_text(read)}" if read.strip() else labels


class LabelCaptioner:
    """``caption(images, texts)``: the plugin's classifier output worded as a caption."""

    def __init__(self, spec: CaptionerSpec, options: SessionOptions | None = None) -> None:
        self.spec = spec
        self.options = options or SessionOptions()
        self._session: Any = None
        self._names: list[str] = []
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._session is None:
                path = self.spec.path(str(self.spec.labels["file"]))
                self._names = path.read_text(encoding="utf-8").splitlines()
                self._session, _ = make_session(self.spec.path(str(self.spec.model)), self.options)
            return self._session

    def probabilities(self, images: list[Image.Image]) -> np.ndarray:
        """(N, classes) probabilities of the plugin's image classifier."""
        session = self._load()
        pixels = np.stack([preprocess_image(i, self.spec.preprocess) for i in images])
        name = str(self.spec.labels.get("input") or session.get_inputs()[0].name)
        output = str(self.spec.labels.get("output", "probs"))
        try:
            probs = session.run([output], {name: pixels.astype(np.float32)})[0]
        except Exception as exc:  # onnxruntime's own error types
            raise ModelError(f"{self.spec.id} failed: {exc}") from exc
        if probs.shape[1] != len(self._names):
            raise ModelError(
                f"{self.spec.id}: {probs.shape[1]} classes but {len(self._names)} names"
            )
        return np.asarray(probs, np.float32)

    def caption(self, images: list[Image.Image], texts: Sequence[str] | None = None) -> list[str]:
        """One label-based caption per picture; ``texts``: what OCR read in each (or None)."""
        if not images:
            return []
        read = list(texts) if texts is not None else [""] * len(images)
        probs = self.probabilities(images)
        return [describe(p, self._names, r) for p, r in zip(probs, read, strict=True)]
