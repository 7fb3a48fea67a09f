"""The numpy CLAP front end against transformers' ``ClapFeatureExtractor``.

The model only knows the spectrogram it was trained on, so the runtime's log-mel must be the
extractor's, for short (padded), exact-length and long (windowed) sounds, in both modes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from mmdesk.errors import ModelError
from mmdesk.plugins.runtimes.clap_audio import ClapFrontEnd, pad_window, resample

transformers = pytest.importorskip("transformers")
RATE = 48000


def _extractor(truncation: str, padding: str = "repeatpad", seconds: int = 10) -> Any:
    return transformers.ClapFeatureExtractor(
        truncation=truncation, padding=padding, max_length_s=seconds, frequency_min=50
    )


def _front(fe: Any) -> ClapFrontEnd:
    bank = fe.mel_filters_slaney if fe.truncation == "rand_trunc" else fe.mel_filters
    return ClapFrontEnd(RATE, 1024, 480, fe.nb_max_samples, fe.padding, bank)


def _theirs(extractor: Any, wave: np.ndarray) -> np.ndarray:
    out = extractor(wave, sampling_rate=RATE, return_tensors="np")
    return np.asarray(out["input_features"])[0, 0]


def _sound(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n) / RATE
    return (np.sin(2 * np.pi * 660 * t) * 0.3 + rng.standard_normal(n) * 0.05).astype(np.float32)


@pytest.mark.parametrize("truncation", ["rand_trunc", "fusion"])
@pytest.mark.parametrize("seconds", [0.01, 0.3, 2.7, 10.0])
def test_log_mel_is_the_extractors(truncation: str, seconds: float) -> None:
    extractor = _extractor(truncation)
    wave = _sound(int(seconds * RATE))
    ours = _front(extractor).features(wave, RATE)
    assert ours.shape == (1, 1, 1001, 64) and ours.dtype == np.float32
    np.testing.assert_allclose(ours[0, 0], _theirs(extractor, wave), atol=1e-4, rtol=0)


@pytest.mark.parametrize("padding", ["repeat", "pad"])
def test_other_paddings_are_the_extractors(padding: str) -> None:
    extractor = _extractor("rand_trunc", padding, seconds=1)
    wave = _sound(17_000, seed=3)
    ours = _front(extractor).features(wave, RATE)[0, 0]
    np.testing.assert_allclose(ours, _theirs(extractor, wave), atol=1e-4, rtol=0)


def test_a_long_sound_is_covered_by_full_windows() -> None:
    extractor = _extractor("rand_trunc", seconds=1)
    front = _front(extractor)
    wave = _sound(int(2.3 * RATE), seed=1)
    windows = front.windows(wave)
    assert [len(w) for w in windows] == [RATE] * 3
    assert np.array_equal(windows[0], wave[:RATE]) and np.array_equal(windows[-1], wave[-RATE:])
    features = front.features(wave, RATE)
    assert features.shape == (3, 1, 101, 64)
    for window, ours in zip(windows, features, strict=True):  # full windows: no random crop
        np.testing.assert_allclose(ours[0], _theirs(extractor, window), atol=1e-4, rtol=0)


def test_an_exact_multiple_is_cut_without_overlap() -> None:
    front = _front(_extractor("rand_trunc", seconds=1))
    wave = _sound(3 * RATE)
    windows = front.windows(wave)
    assert len(windows) == 3 and np.array_equal(np.concatenate(windows), wave)


def test_padding_modes() -> None:
    x = np.array([1, 2, 3], np.float32)
    assert pad_window(x, 8, "repeatpad").tolist() == [1, 2, 3, 1, 2, 3, 0, 0]
    assert pad_window(x, 8, "repeat").tolist() == [1, 2, 3, 1, 2, 3, 1, 2]
    assert pad_window(x, 8, "pad").tolist() == [1, 2, 3, 0, 0, 0, 0, 0]
    assert pad_window(x[:0], 4).tolist() == [0, 0, 0, 0]


def test_other_rates_are_resampled_and_bad_input_is_handled() -> None:
    front = _front(_extractor("rand_trunc", seconds=1))
    t = np.arange(8000) / 16000
    low = np.sin(2 * np.pi * 440 * t).astype(np.float32)
    up = resample(low, 16000, RATE)
    assert len(up) == 24000
    peak = np.argmax(np.abs(np.fft.rfft(up))) * RATE / len(up)
    assert abs(peak - 440) < 5
    np.testing.assert_array_equal(front.features(low, 16000), front.features(up, RATE))
    damaged = np.array([np.nan, 1.0, np.inf], np.float32)
    assert np.isfinite(front.features(damaged, RATE)).all()
    assert np.isnan(damaged[0])  # the caller's samples are left as they were
    assert front.features(np.zeros(0, np.float32), RATE).shape == (1, 1, 101, 64)
    with pytest.raises(ModelError, match="mono"):
        front.features(np.zeros((2, 100), np.float32), RATE)
