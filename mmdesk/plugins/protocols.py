"""What the rest of mmdesk needs of each contribution's runtime, built-in or plugin code.

Plugin code is called as ``Factory(spec, options)`` and must return an object with the methods
of its kind's Protocol; the registry checks the methods exist before handing it out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from mmdesk.plugins.specs import (
    CaptionerSpec,
    ClassifierSpec,
    EncoderSpec,
    FaceAnalyserSpec,
    TextReaderSpec,
    TranscriberSpec,
)

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image


class Encoder(Protocol):
    """Any encoder: its spec, and the execution provider its model runs on (None: not loaded)."""

    spec: EncoderSpec

    @property
    def provider(self) -> str | None: ...


class ImageEncoder(Encoder, Protocol):
    """Pictures -> vectors; ``preprocess`` runs in decode threads, ``encode`` on batches."""

    def preprocess(self, image: Image.Image) -> np.ndarray: ...

    def encode(self, batch: np.ndarray) -> np.ndarray: ...


class TextEncoder(Encoder, Protocol):
    """Texts (queries, captions, OCR, transcripts) -> vectors."""

    def encode_texts(self, texts: list[str]) -> np.ndarray: ...


class AudioEncoder(Encoder, Protocol):
    """Sounds -> vectors, in two steps like pictures: ``preprocess_audio`` (decode threads)
    turns one sound (mono float32 samples at ``sample_rate``) into the model inputs of its
    windows, ``(n_windows, ...)``, at least one window even for a very short sound; ``encode``
    maps a batch of windows (several sounds' windows stacked) to one vector per window.
    Indexing pools a sound's window vectors (mean, then unit length) into its item's vector.
    ``encode_audio`` does both for one sound: its pooled unit vector, shape ``(dim,)``."""

    def preprocess_audio(self, samples: np.ndarray, sample_rate: int) -> np.ndarray: ...

    def encode(self, batch: np.ndarray) -> np.ndarray: ...

    def encode_audio(self, samples: np.ndarray, sample_rate: int) -> np.ndarray: ...


class Captioner(Protocol):
    """Pictures -> one sentence each, so photos become searchable by words.

    ``texts`` (the words OCR read in each picture) is passed only to captioners whose manifest
    says ``label_based``; plugin code written for ``caption(images)`` keeps working.
    """

    spec: CaptionerSpec

    def caption(
        self, images: list[Image.Image], texts: Sequence[str] | None = None
    ) -> list[str]: ...


class TextReader(Protocol):
    """Pictures -> the text written in each (OCR), one string per picture."""

    spec: TextReaderSpec

    def read_text(self, images: list[Image.Image]) -> list[str]: ...


@dataclass(frozen=True)
class TextLine:
    """A line a text reader found: its text, its box (four corners, pixels of the picture as
    given, clockwise from top left) and the reader's confidence in [0, 1]."""

    text: str
    box: tuple[tuple[float, float], ...]
    score: float


class LineReader(TextReader, Protocol):
    """A text reader that also says where each line is (OCR's boxes, shown in the preview)."""

    def read_lines(self, images: list[Image.Image]) -> list[list[TextLine]]: ...


@dataclass(frozen=True)
class Segment:
    """A stretch of transcribed speech, in seconds from the start of the samples."""

    start: float
    end: float
    text: str


class Transcriber(Protocol):
    """Mono samples -> timed text segments (speech to text)."""

    spec: TranscriberSpec

    def transcribe(self, samples: np.ndarray, sample_rate: int) -> list[Segment]: ...


class Classifier(Protocol):
    """Embeddings of one or more modalities -> a score in [0, 1] per label.

    ``predict`` takes ``{modality: (N, dim)}`` float32 features and an (N, M) mask, 1 where an
    item has that modality (in ``modalities`` order), and returns ``(scores (N, T), attention
    (N, M))``: the attention says which modality drove each decision. ``thresholds`` holds the
    score at or above which each label counts as predicted.
    """

    spec: ClassifierSpec
    modalities: tuple[str, ...]
    dims: dict[str, int]
    thresholds: dict[str, float]

    def predict(
        self, features: dict[str, np.ndarray], mask: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]: ...


@dataclass(frozen=True)
class Face:
    """A face a face analyser found.

    Attributes:
        box: ``(x, y, w, h)`` in pixels of the picture as given (upright, full size).
        score: the detector's confidence (higher is surer; dlib's HOG scores are about 0..3).
        landmarks: ``(x, y)`` points the embedding was aligned on, in the same pixels (or ()).
        embedding: float32 ``(dim,)``; faces of one person lie within the spec's
            ``match_distance`` of each other. None when the analyser only detects.
    """

    box: tuple[float, float, float, float]
    score: float
    landmarks: tuple[tuple[float, float], ...] = ()
    embedding: np.ndarray | None = None


class FaceAnalyser(Protocol):
    """Pictures -> the faces in each, with embeddings that group faces into people."""

    spec: FaceAnalyserSpec

    def analyse(self, images: list[Image.Image]) -> list[list[Face]]: ...
