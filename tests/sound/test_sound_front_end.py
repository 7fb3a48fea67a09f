"""The numpy front end of ``aisfx-mel`` against the aisfx package's own librosa path.

The model only means something on the spectrogram it was trained with, so every step is
compared with the package's code (``spectrogram_librosa.compute_spectrogram``,
``spectrogram_normalize``, ``blocking``) on signals written to a WAV file and read back the way
the package reads them, and the resampler with scipy's ``resample_poly``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mmdesk.errors import PluginError
from mmdesk.export.sound_model import PREPROCESS
from mmdesk.plugins.runtimes.aisfx_audio import FrontEnd, blocks, log_mel, mel_filters, resample

# librosa imports audioread, which imports modules Python 3.13 removes; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:audioread.*")
RATE = 44100
FRONT = FrontEnd.from_preprocess(PREPROCESS)


def _signals() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    t = np.arange(int(RATE * 3.3)) / RATE
    clicks = np.zeros_like(t)
    clicks[rng.integers(0, len(t), 30)] = 0.8
    return {
        "tone": 0.3 * np.sin(2 * np.pi * 440 * t),
        "chord": sum(np.sin(2 * np.pi * f * t) for f in (262, 330, 392)) / 4,
        "chirp": 0.5 * np.sin(2 * np.pi * (100 + 3000 * t) * t),
        "noise": 0.1 * rng.standard_normal(len(t)),
        "clicks": clicks,
        "short": 0.2 * rng.standard_normal(3000),
        "silence": np.zeros(50000),
    }


def _package_spectrogram(samples: np.ndarray, tmp_path: Path) -> np.ndarray:
    """What aisfx computes for a file holding ``samples``: (frames, n_mels), normalised."""
    soundfile = pytest.importorskip("soundfile")
    pytest.importorskip("librosa")
    aisfx_librosa = pytest.importorskip("aisfx.spectrogram.spectrogram_librosa")
    from aisfx.preprocessing import spectrogram_normalize

    path = tmp_path / "sound.wav"
    soundfile.write(path, samples.astype(np.float32), RATE, subtype="FLOAT")
    spec = aisfx_librosa.compute_spectrogram(
        filename=str(path), sr=44100.0, block_size=2048, hop_size=1024,
        n_mels=96, f_min=0.0, f_max=22050.0,
    )  # fmt: skip
    # The package returns (n_mels, frames); the model and blocking want (frames, n_mels).
    return np.asarray(spectrogram_normalize(spec.T, spec_norm="original"))


def test_mel_filters_are_librosas_htk_unit_sum_bank() -> None:
    librosa = pytest.importorskip("librosa")
    want = librosa.filters.mel(
        sr=44100.0, n_fft=2048, n_mels=96, fmin=0.0, fmax=22050.0, htk=True, norm=1.0
    )
    got = mel_filters(FRONT)
    assert got.shape == want.shape == (96, 1025)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-7)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("name", list(_signals()))
def test_log_mel_matches_the_package_librosa_front_end(name: str, tmp_path: Path) -> None:
    samples = _signals()[name]
    want = _package_spectrogram(samples, tmp_path)
    got = log_mel(samples, FRONT, mel_filters(FRONT))
    assert got.shape == want.shape and got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)
    assert got.max() > 0.1 or name == "silence"


@pytest.mark.parametrize("frames", [51, 99, 100, 143, 150, 431])
@pytest.mark.parametrize("drop", [True, False])
def test_blocks_match_the_package_blocking(frames: int, drop: bool) -> None:
    from aisfx.preprocessing import blocking

    spec = np.random.default_rng(frames).random((frames, 96)).astype(np.float32)
    front = FrontEnd.from_preprocess(dict(PREPROCESS, drop_partial_block=drop))
    want = blocking(spec, block_size=100, hop_size=50, drop_partial_block=drop)
    got = blocks(spec, front)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want.astype(np.float32))


def test_a_sound_shorter_than_a_block_is_one_zero_padded_block() -> None:
    spec = log_mel(np.full(5000, 0.1, np.float32), FRONT, mel_filters(FRONT))
    out = blocks(spec, FRONT)
    assert out.shape == (1, 100, 96)
    assert np.array_equal(out[0, : len(spec)], spec) and not out[0, len(spec) :].any()


@pytest.mark.parametrize("samples", [np.zeros(0), np.zeros(30000), np.full(10, np.nan)])
def test_silent_empty_or_broken_input_gives_a_finite_silent_spectrogram(
    samples: np.ndarray,
) -> None:
    spec = log_mel(samples, FRONT, mel_filters(FRONT))
    assert len(spec) >= 1 and np.isfinite(spec).all() and not spec.any()


def test_peak_normalisation_makes_loudness_irrelevant() -> None:
    tone = _signals()["chord"]
    loud, quiet = (log_mel(tone * g, FRONT, mel_filters(FRONT)) for g in (1.0, 0.01))
    np.testing.assert_allclose(loud, quiet, atol=1e-5)


@pytest.mark.parametrize(
    ("source", "target", "n"),
    [(48000, 44100, 48000), (22050, 44100, 1001), (8000, 44100, 777), (96000, 44100, 20000),
     (44100, 16000, 5), (16000, 44100, 3), (44100, 44100, 100)],
)  # fmt: skip
def test_resample_is_scipys_resample_poly(source: int, target: int, n: int) -> None:
    signal = pytest.importorskip("scipy.signal")
    x = np.random.default_rng(n).standard_normal(n).astype(np.float32)
    got = resample(x, source, target)
    want = signal.resample_poly(x.astype(np.float64), target, source) if source != target else x
    assert got.dtype == np.float32 and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)


def test_resampling_keeps_a_tone_at_its_pitch() -> None:
    t = np.arange(48000) / 48000
    out = resample(np.sin(2 * np.pi * 1000 * t).astype(np.float32), 48000, 44100)
    peak = np.argmax(np.abs(np.fft.rfft(out))) * 44100 / len(out)
    assert len(out) == 44100 and abs(peak - 1000) < 2


@pytest.mark.parametrize(
    ("change", "message"),
    [({"n_mels": None}, "missing n_mels"), ({"hop": 4096}, "hop"),
     ({"fmax": 30000.0}, "fmax"), ({"norm_max": 0.0}, "norm_max")],
)  # fmt: skip
def test_a_bad_preprocess_table_is_refused_naming_the_key(
    change: dict[str, object], message: str
) -> None:
    table = {k: v for k, v in {**PREPROCESS, **change}.items() if v is not None}
    with pytest.raises(PluginError, match=message):
        FrontEnd.from_preprocess(table, "sounds/aisfx")
