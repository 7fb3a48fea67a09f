"""The CLAP audio encoder: Hugging Face ``ClapFeatureExtractor``'s log-mel front end in numpy,
and the exported audio tower (``get_audio_features``) in ONNX Runtime.

Why re-implement the front end: the runtime must not need transformers or torch, and the
vectors must be those the model was trained on, so this follows the extractor step by step
(periodic Hann window, reflect-padded centred frames, power spectrum kept in complex64 as the
extractor keeps it, mel bank from the plugin's ``.npy``, ``10 log10`` with a 1e-10 floor).
Where the extractor picks a random crop of a long sound, mmdesk covers the whole sound with
full windows instead: a search index needs every part and the same vector on every run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from mmdesk.errors import ModelError, PluginError
from mmdesk.plugins.runtimes.onnx_encoder import _OnnxEncoder
from mmdesk.plugins.schema import inside
from mmdesk.plugins.session import SessionOptions
from mmdesk.plugins.specs import EncoderSpec
from mmdesk.store.vectors import normalise

PADDINGS = ("repeatpad", "repeat", "pad")
_FLOOR = 1e-10  # the extractor's mel_floor and min_value
_REQUIRED = ("sample_rate", "n_fft", "hop", "mel_filters")


@dataclass(frozen=True)
class ClapFrontEnd:
    """The constants of ``[encoders.preprocess]`` (kind ``clap-mel``) and the mel bank."""

    sample_rate: int
    n_fft: int
    hop: int
    nb_max_samples: int
    padding: str
    mel_filters: np.ndarray  # (n_fft // 2 + 1, n_mels), float64

    @classmethod
    def from_spec(cls, spec: EncoderSpec) -> ClapFrontEnd:
        """Read and check the manifest's table; PluginError naming what is wrong."""
        pre = spec.preprocess
        missing = [k for k in _REQUIRED if k not in pre]
        if "nb_max_samples" not in pre and "max_length_s" not in pre:
            missing.append("nb_max_samples")
        if missing:
            raise PluginError(f"{spec.id}: [preprocess] lacks {', '.join(missing)}")
        rate = int(pre["sample_rate"])
        samples = int(pre.get("nb_max_samples", round(float(pre.get("max_length_s", 0)) * rate)))
        if pre.get("log_mel", "dB") != "dB":
            raise PluginError(f"{spec.id}: log_mel {pre['log_mel']!r} is not supported (dB)")
        padding = str(pre.get("padding", "repeatpad"))
        if padding not in PADDINGS:
            raise PluginError(f"{spec.id}: unknown padding {padding!r} ({', '.join(PADDINGS)})")
        n_fft, hop = int(pre["n_fft"]), int(pre["hop"])
        if not 0 < hop <= n_fft < samples:
            raise PluginError(f"{spec.id}: [preprocess] needs 0 < hop <= n_fft < window samples")
        filters = _load_filters(spec, str(pre["mel_filters"]), n_fft // 2 + 1)
        return cls(rate, n_fft, hop, samples, padding, filters)

    def windows(self, samples: np.ndarray) -> list[np.ndarray]:
        """The sound cut into windows of ``nb_max_samples``: one padded window when it is
        shorter, else full windows at evenly spaced starts covering all of it (the last ones
        overlap a little rather than ending on a mostly repeated scrap)."""
        length, n = self.nb_max_samples, len(samples)
        if n <= length:
            return [pad_window(samples, length, self.padding)]
        count = math.ceil(n / length)
        starts = np.round(np.linspace(0, n - length, count)).astype(int)
        return [samples[s : s + length] for s in starts]

    def features(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        """Model inputs of one sound: ``(n_windows, 1, frames, n_mels)`` float32."""
        wave = np.asarray(samples, dtype=np.float32)
        if wave.ndim != 1:
            raise ModelError(f"CLAP wants mono samples, got shape {wave.shape}")
        if not np.isfinite(wave).all():  # a damaged decode: silence, not a NaN vector
            wave = np.nan_to_num(wave, nan=0.0, posinf=0.0, neginf=0.0)
        if sample_rate != self.sample_rate:
            wave = resample(wave, sample_rate, self.sample_rate)
        mels = [log_mel(w, self.mel_filters, self.n_fft, self.hop) for w in self.windows(wave)]
        return np.stack(mels)[:, None]


def _load_filters(spec: EncoderSpec, name: str, bins: int) -> np.ndarray:
    inside(name, f"{spec.id} [preprocess]: mel_filters")
    try:
        filters = np.load(spec.folder / name, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise PluginError(f"{spec.id}: cannot read the mel filter bank {name}: {exc}") from exc
    if filters.ndim != 2 or filters.shape[0] != bins:
        raise PluginError(
            f"{spec.id}: mel filter bank has shape {filters.shape}, wants ({bins}, n)"
        )
    return np.asarray(filters, np.float64)


def pad_window(samples: np.ndarray, length: int, padding: str = "repeatpad") -> np.ndarray:
    """Fill a short sound up to ``length`` as ``ClapFeatureExtractor`` does.

    ``repeatpad`` repeats it a whole number of times and pads the rest with silence;
    ``repeat`` repeats it past the end and cuts; ``pad`` only pads. An empty sound is silence.
    """
    n = len(samples)
    if n == 0:
        return np.zeros(length, np.float32)
    if n < length and padding == "repeat":
        samples = np.tile(samples, length // n + 1)[:length]
    elif n < length and padding == "repeatpad":
        samples = np.tile(samples, length // n)
    return np.pad(samples, (0, length - len(samples)))


def log_mel(wave: np.ndarray, filters: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    """``(frames, n_mels)`` float32 dB mel spectrogram, as ``transformers.audio_utils``'
    ``spectrogram(..., power=2.0, log_mel="dB")`` computes it, vectorised over frames."""
    padded = np.pad(wave.astype(np.float64), n_fft // 2, mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(padded, n_fft)[::hop]
    window = np.hanning(n_fft + 1)[:-1]
    spectrum = np.fft.rfft(frames * window, axis=1).astype(np.complex64)
    power = np.abs(spectrum, dtype=np.float64) ** 2
    mel = np.maximum(_FLOOR, filters.T @ power.T)
    return (10.0 * np.log10(np.maximum(mel, _FLOOR))).T.astype(np.float32)


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Polyphase resampling (scipy) to the model's rate; linear interpolation without scipy.

    Indexing hands sounds over at 48 kHz already, so this is the path of other callers only.
    ``mmdesk.core.media.audio.resample`` cannot be used here: plugins sit below core.
    """
    if from_rate == to_rate or len(samples) == 0:
        return samples
    try:
        from scipy.signal import resample_poly
    except ImportError:
        n = round(len(samples) * to_rate / from_rate)
        t = np.arange(n) * (from_rate / to_rate)
        return np.interp(t, np.arange(len(samples)), samples).astype(np.float32)
    g = math.gcd(from_rate, to_rate)
    return resample_poly(samples, to_rate // g, from_rate // g).astype(np.float32)


class ClapAudioEncoder(_OnnxEncoder):
    """Sound -> vector with an exported CLAP audio tower (see :class:`AudioEncoder`)."""

    def __init__(self, spec: EncoderSpec, options: SessionOptions | None = None) -> None:
        super().__init__(spec, options)
        self.front = ClapFrontEnd.from_spec(spec)

    def preprocess_audio(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        """The log-mel windows of one sound, ``(n_windows, 1, frames, n_mels)``."""
        return self.front.features(samples, sample_rate)

    def preprocessor(self) -> Callable[[np.ndarray, int], np.ndarray]:
        """``preprocess_audio`` as a picklable function (no session), for decode processes."""
        return self.front.features

    def encode(self, batch: np.ndarray) -> np.ndarray:
        """One unit vector per window."""
        if len(batch) == 0:
            return np.zeros((0, self.spec.dim), np.float32)
        inputs = self.spec.io.get("inputs") or [self.session().get_inputs()[0].name]
        feeds: dict[str, Any] = {inputs[0]: np.ascontiguousarray(batch, dtype=np.float32)}
        return self._run(feeds)

    def encode_audio(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        """The sound's vector: its windows' vectors averaged, then unit length."""
        windows = self.encode(self.preprocess_audio(samples, sample_rate))
        return normalise(windows.mean(axis=0, keepdims=True))[0]
