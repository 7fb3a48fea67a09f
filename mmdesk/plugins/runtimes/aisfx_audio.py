"""The sound-effect encoder (``aisfx-mel``): "more like this sound", offline, on ONNX Runtime.

The model is the CNN of aiSFX (Ma & Lerch, ISMIR 2022; ``mmdesk.export.sound_model`` exports
it) and only works on the log-mel spectrogram it was trained on, so the front end is
reimplemented here in numpy, step for step as the package's own librosa path computes it
(``aisfx/spectrogram/spectrogram_librosa.py``): peak-normalise the samples, power STFT (periodic
Hann, frames centred with zero padding), HTK mel bands with unit-sum filters,
``log10(scale * x + offset)``, min-max normalisation with the package's fixed constants, then
blocks of frames with half-block hop (``aisfx.preprocessing.blocking``). Every constant comes from
the manifest's ``[encoders.preprocess]`` table, none from code, and librosa is not needed at run
time (``tests/sound`` checks this front end against it).

Resampling is a numpy port of ``scipy.signal.resample_poly`` (Kaiser-windowed sinc, polyphase):
mmdesk does not depend on scipy, and the plugins layer must not import ``mmdesk.core``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from math import gcd
from typing import Any

import numpy as np

from mmdesk.errors import PluginError
from mmdesk.plugins.runtimes.onnx_encoder import _OnnxEncoder
from mmdesk.plugins.session import SessionOptions
from mmdesk.plugins.specs import EncoderSpec
from mmdesk.store.vectors import normalise

KIND = "aisfx-mel"
DEFAULT_BATCH = 32
_CHUNK = 1 << 15  # outputs per step when resampling, to bound memory


@dataclass(frozen=True)
class FrontEnd:
    """The spectrogram settings of ``[encoders.preprocess]`` (all required but ``kind``)."""

    sample_rate: int
    n_fft: int
    hop: int
    n_mels: int
    fmin: float
    fmax: float
    log_scale: float
    log_offset: float
    norm_min: float
    norm_max: float
    block: int
    block_hop: int
    peak_normalise: bool = True
    drop_partial_block: bool = True

    @classmethod
    def from_preprocess(cls, table: dict[str, Any], where: str = KIND) -> FrontEnd:
        """Read the table; PluginError names a missing key or an unusable value."""
        names = [f for f in cls.__dataclass_fields__ if f not in _OPTIONAL]
        missing = [n for n in names if n not in table]
        if missing:
            raise PluginError(f"{where} [preprocess]: missing {', '.join(missing)}")
        values = {n: table[n] for n in cls.__dataclass_fields__ if n in table}
        front = cls(**values)
        if not (0 < front.hop <= front.n_fft and 0 < front.block_hop <= front.block):
            raise PluginError(f"{where} [preprocess]: need 0 < hop <= n_fft, block_hop <= block")
        if not (0 <= front.fmin < front.fmax <= front.sample_rate / 2):
            raise PluginError(f"{where} [preprocess]: need 0 <= fmin < fmax <= sample_rate / 2")
        if front.norm_max <= front.norm_min:
            raise PluginError(f"{where} [preprocess]: norm_max must exceed norm_min")
        return front


_OPTIONAL = ("peak_normalise", "drop_partial_block")


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """``samples`` at ``to_rate``: what ``scipy.signal.resample_poly`` gives, in numpy."""
    x = np.asarray(samples, dtype=np.float64)
    g = gcd(int(from_rate), int(to_rate))
    up, down = int(to_rate) // g, int(from_rate) // g
    if up == down:
        return x.astype(np.float32)
    h, pre_remove = _resample_filter(up, down)
    n_out = -(-len(x) * up // down)
    taps = -(-len(h) // up)
    phases = np.zeros((up, taps))  # phases[p, i] = h[p + i * up]
    padded = np.zeros(taps * up)
    padded[: len(h)] = h
    phases[:] = padded.reshape(taps, up).T
    xp = np.concatenate([np.zeros(taps - 1), x, np.zeros(taps + 1)])
    windows = np.lib.stride_tricks.sliding_window_view(xp, taps)
    out = np.empty(n_out)
    for r in range(min(up, n_out)):  # outputs r, r + up, ... share one filter phase
        start = (r + pre_remove) * down  # its position in the upsampled signal
        taps_r, first = phases[start % up][::-1], start // up
        count = len(range(r, n_out, up))
        for k in range(0, count, _CHUNK):  # the newest input sample moves by `down` each time
            n = min(_CHUNK, count - k)
            rows = windows[first + k * down : first + (k + n - 1) * down + 1 : down]
            out[r + k * up : r + (k + n) * up : up] = rows @ taps_r
    return out.astype(np.float32)


def _resample_filter(up: int, down: int) -> tuple[np.ndarray, int]:
    """scipy's default anti-aliasing FIR for ``resample_poly`` and the samples it trims."""
    max_rate = max(up, down)
    half_len = 10 * max_rate
    m = np.arange(2 * half_len + 1) - half_len
    h = np.sinc(m / max_rate) / max_rate * np.kaiser(2 * half_len + 1, 5.0)
    h = h / h.sum() * up
    pre_pad = down - half_len % down
    return np.concatenate([np.zeros(pre_pad), h]), (half_len + pre_pad) // down


def mel_filters(front: FrontEnd) -> np.ndarray:
    """(n_mels, n_fft // 2 + 1) HTK-scale triangles, each summing to 1 (librosa's norm=1)."""
    freqs = np.fft.rfftfreq(front.n_fft, 1.0 / front.sample_rate)
    lo, hi = _hz_to_mel(front.fmin), _hz_to_mel(front.fmax)
    edges = _mel_to_hz(np.linspace(lo, hi, front.n_mels + 2))
    diff = np.diff(edges)
    ramps = edges[:, None] - freqs[None, :]
    lower = -ramps[:-2] / diff[:-1, None]
    upper = ramps[2:] / diff[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper)).astype(np.float32)
    sums = weights.astype(np.float64).sum(axis=1, keepdims=True)
    sums[sums < np.finfo(np.float32).tiny] = 1.0
    return (weights / sums).astype(np.float32)


def _hz_to_mel(hz: float | np.ndarray) -> Any:
    return 2595.0 * np.log10(1.0 + np.asarray(hz, dtype=np.float64) / 700.0)


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    return 700.0 * (10.0 ** (mel / 2595.0) - 1.0)


def log_mel(samples: np.ndarray, front: FrontEnd, filters: np.ndarray) -> np.ndarray:
    """(frames, n_mels) normalised log-mel spectrogram of mono samples at the model's rate."""
    y = np.nan_to_num(np.asarray(samples, dtype=np.float32).reshape(-1))
    if front.peak_normalise:
        peak = float(np.max(np.abs(y))) if len(y) else 0.0
        y = y / (peak if peak > 0 else 1.0)
    half = front.n_fft // 2
    padded = np.pad(y, (half, half))
    if len(padded) < front.n_fft:
        padded = np.pad(padded, (0, front.n_fft - len(padded)))
    frames = np.lib.stride_tricks.sliding_window_view(padded, front.n_fft)[:: front.hop]
    window = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(front.n_fft) / front.n_fft)
    spectrum = np.fft.rfft(frames * window, axis=1).astype(np.complex64)
    power = spectrum.real**2 + spectrum.imag**2
    mel = power @ filters.T
    logged = np.log10(mel * np.float32(front.log_scale) + np.float32(front.log_offset))
    return ((logged - front.norm_min) / (front.norm_max - front.norm_min)).astype(np.float32)


def blocks(spec: np.ndarray, front: FrontEnd) -> np.ndarray:
    """(n_blocks, block, n_mels): ``aisfx.preprocessing.blocking``, at least one block, the
    last one zero-padded (zero is silence after normalisation)."""
    size, hop = front.block, front.block_hop
    n = int(np.ceil((len(spec) - size) / hop + 1))
    if (len(spec) - size) % hop != 0 and front.drop_partial_block:
        n -= 1
    n = max(n, 1)
    data = np.vstack([spec, np.zeros((size, spec.shape[1]), np.float32)])
    return np.stack([data[i * hop : i * hop + size] for i in range(n)]).astype(np.float32)


def front_end(
    front: FrontEnd, filters: np.ndarray, samples: np.ndarray, sample_rate: int
) -> np.ndarray:
    """Mono float samples at any rate -> (n_blocks, block, n_mels) model inputs."""
    if np.ndim(samples) != 1:
        raise ValueError(f"expected mono samples (1-D), got shape {np.shape(samples)}")
    if int(sample_rate) != front.sample_rate:
        samples = resample(samples, int(sample_rate), front.sample_rate)
    return blocks(log_mel(samples, front, filters), front)


class AisfxAudioEncoder(_OnnxEncoder):
    """Sound -> 512-d vector: numpy front end in decode threads, the CNN on ONNX Runtime."""

    def __init__(self, spec: EncoderSpec, options: SessionOptions | None = None) -> None:
        super().__init__(spec, options)
        self.front = FrontEnd.from_preprocess(spec.preprocess, spec.id)
        self.batch_size = int(spec.options.get("batch_size", DEFAULT_BATCH))
        self._filters = mel_filters(self.front)

    def preprocess_audio(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        """Mono float samples at any rate -> (n_blocks, block, n_mels) model inputs."""
        return front_end(self.front, self._filters, samples, sample_rate)

    def preprocessor(self) -> Callable[[np.ndarray, int], np.ndarray]:
        """``preprocess_audio`` as a picklable function (no session), for decode processes."""
        return functools.partial(front_end, self.front, self._filters)

    def encode(self, batch: np.ndarray) -> np.ndarray:
        """(N, block, n_mels) windows -> (N, dim) unit vectors, ``batch_size`` at a time."""
        if len(batch) == 0:
            return np.zeros((0, self.spec.dim), np.float32)
        name = (self.spec.io.get("inputs") or [self.session().get_inputs()[0].name])[0]
        parts = [
            self._run({name: np.ascontiguousarray(batch[i : i + self.batch_size], np.float32)})
            for i in range(0, len(batch), self.batch_size)
        ]
        return np.concatenate(parts)

    def encode_audio(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        """One sound's vector: its windows' vectors, mean-pooled, unit length."""
        windows = self.encode(self.preprocess_audio(samples, sample_rate))
        return normalise(windows.mean(axis=0, keepdims=True))[0]
