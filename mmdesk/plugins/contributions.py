"""Contribution kinds: for each, its spec type, its runtime Protocol and its built-in factory.

``registry.build(TEXT_ENCODER, "default/text")`` returns a :class:`TextEncoder`, typed. A kind
runs on its built-in runtime unless the plugin names an ``entry`` (its own code): audio
encoders on the ONNX runtime of their front end (``runtimes/onnx_audio``), transcribers on
faster-whisper, text readers on RapidOCR, classifiers on the ONNX classifier. A kind without a
built-in runtime is built from the plugin's ``entry`` only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from mmdesk.plugins.manifest import Manifest
from mmdesk.plugins.protocols import (
    AudioEncoder,
    Captioner,
    Classifier,
    Encoder,
    FaceAnalyser,
    ImageEncoder,
    TextEncoder,
    TextReader,
    Transcriber,
)
from mmdesk.plugins.runtimes.dlib_faces import DlibFaceAnalyser
from mmdesk.plugins.runtimes.onnx_audio import build_audio_encoder
from mmdesk.plugins.runtimes.onnx_captioner import build_captioner
from mmdesk.plugins.runtimes.onnx_classifier import OnnxClassifier
from mmdesk.plugins.runtimes.onnx_encoder import OnnxImageEncoder, OnnxTextEncoder
from mmdesk.plugins.runtimes.rapid_ocr import RapidOcrReader
from mmdesk.plugins.runtimes.whisper import WhisperTranscriber
from mmdesk.plugins.session import SessionOptions
from mmdesk.plugins.specs import (
    CaptionerSpec,
    ClassifierSpec,
    ContributionSpec,
    EncoderSpec,
    FaceAnalyserSpec,
    TextReaderSpec,
    TranscriberSpec,
)

SpecT = TypeVar("SpecT", bound=ContributionSpec)
RuntimeT = TypeVar("RuntimeT")
_Runtime_co = TypeVar("_Runtime_co", covariant=True)


@dataclass(frozen=True)
class ContributionKind(Generic[SpecT, _Runtime_co]):
    """One kind of contribution.

    Attributes:
        name: What one is called in messages ("image encoder").
        select: The specs of this kind in a manifest.
        methods: What a runtime must have; checked on plugin code before it is used.
        builtin: The runtime used when the manifest names no ``entry`` (None: entry required).
    """

    name: str
    select: Callable[[Manifest], Iterable[SpecT]]
    methods: tuple[str, ...]
    builtin: Callable[[SpecT, SessionOptions], _Runtime_co] | None = None


def _encoders(modality: str) -> Callable[[Manifest], Iterable[EncoderSpec]]:
    return lambda m: (e for e in m.encoders if e.modality == modality)


IMAGE_ENCODER: ContributionKind[EncoderSpec, ImageEncoder] = ContributionKind(
    "image encoder", _encoders("image"), ("preprocess", "encode"), OnnxImageEncoder
)
TEXT_ENCODER: ContributionKind[EncoderSpec, TextEncoder] = ContributionKind(
    "text encoder", _encoders("text"), ("encode_texts",), OnnxTextEncoder
)
AUDIO_ENCODER: ContributionKind[EncoderSpec, AudioEncoder] = ContributionKind(
    "audio encoder",
    _encoders("audio"),
    ("preprocess_audio", "encode", "encode_audio"),
    build_audio_encoder,
)
CAPTIONER: ContributionKind[CaptionerSpec, Captioner] = ContributionKind(
    "captioner", lambda m: m.captioners, ("caption",), build_captioner
)
TEXT_READER: ContributionKind[TextReaderSpec, TextReader] = ContributionKind(
    "text reader", lambda m: m.text_readers, ("read_text",), RapidOcrReader
)
TRANSCRIBER: ContributionKind[TranscriberSpec, Transcriber] = ContributionKind(
    "transcriber", lambda m: m.transcribers, ("transcribe",), WhisperTranscriber
)
CLASSIFIER: ContributionKind[ClassifierSpec, Classifier] = ContributionKind(
    "classifier", lambda m: m.classifiers, ("predict",), OnnxClassifier
)
FACE_ANALYSER: ContributionKind[FaceAnalyserSpec, FaceAnalyser] = ContributionKind(
    "face analyser", lambda m: m.face_analysers, ("analyse",), DlibFaceAnalyser
)
ENCODER_KINDS: dict[str, ContributionKind[EncoderSpec, Encoder]] = {
    "image": IMAGE_ENCODER,
    "text": TEXT_ENCODER,
    "audio": AUDIO_ENCODER,
}
