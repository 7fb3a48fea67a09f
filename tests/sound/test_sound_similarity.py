""" "More like this sound": the aisfx vectors group sounds a listener would group.

Two families made with numpy (``sound_kit``): tonal notes and chords, and noisy bursts and
crackle. Each sound's nearest neighbours are of its own family, and a quieter, shorter or
resampled copy of a sound finds that sound first.
"""

from __future__ import annotations

import numpy as np
import pytest
from sound_kit import RATE, families

from mmdesk.plugins.runtimes.aisfx_audio import resample


@pytest.fixture(scope="module")
def library(sound_encoder) -> tuple[list[np.ndarray], list[str], np.ndarray]:
    """The family sounds, their family names and their vectors."""
    sounds, names = [], []
    for family, members in families().items():
        sounds += members
        names += [family] * len(members)
    return sounds, names, np.stack([sound_encoder.encode_audio(s, RATE) for s in sounds])


def test_vectors_are_unit_length_and_512_wide(library) -> None:
    _, _, vectors = library
    assert vectors.shape == (12, 512) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_each_sounds_nearest_neighbours_are_of_its_family(library) -> None:
    _, names, vectors = library
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -np.inf)
    family = np.array(names)
    for i, name in enumerate(names):
        order = np.argsort(-sims[i])
        assert list(family[order[:2]]) == [name, name], (i, name, family[order[:5]])
        if name == "tonal":  # the notes are one tight family: all five others come first
            assert set(family[order[:5]]) == {"tonal"}
        own = sims[i, (family == name) & np.isfinite(sims[i])].mean()
        assert own > sims[i, family != name].mean()


@pytest.mark.parametrize("variant", ["quieter", "shorter", "48 kHz", "22.05 kHz"])
def test_a_changed_copy_finds_its_original_first(library, sound_encoder, variant: str) -> None:
    sounds, _, vectors = library
    for i, sound in list(enumerate(sounds))[::2]:  # half of each family, to keep the test quick
        if variant == "quieter":
            query, rate = sound * 0.05, RATE
        elif variant == "shorter":
            query, rate = sound[: len(sound) * 6 // 10], RATE
        else:
            rate = 48000 if variant == "48 kHz" else 22050
            query = resample(sound, RATE, rate)
        sims = vectors @ sound_encoder.encode_audio(query, rate)
        assert int(np.argmax(sims)) == i, (variant, i, np.round(sims, 3))


def test_stacked_windows_of_several_sounds_pool_to_each_sounds_vector(
    library, sound_encoder
) -> None:
    """What indexing does: windows of several sounds (at 48 kHz) encoded in one batch."""
    sounds = [resample(s, RATE, 48000) for s in library[0][:3]]
    windows = [sound_encoder.preprocess_audio(s, 48000) for s in sounds]
    encoded = sound_encoder.encode(np.concatenate(windows))
    bounds = np.cumsum([0] + [len(w) for w in windows])
    for k, sound in enumerate(sounds):
        pooled = encoded[bounds[k] : bounds[k + 1]].mean(axis=0)
        pooled /= np.linalg.norm(pooled)
        np.testing.assert_allclose(pooled, sound_encoder.encode_audio(sound, 48000), atol=1e-5)


@pytest.mark.parametrize("samples", [np.zeros(RATE), np.zeros(10), np.zeros(0)])
def test_silence_and_tiny_sounds_give_a_finite_unit_vector(sound_encoder, samples) -> None:
    windows = sound_encoder.preprocess_audio(samples, 48000)
    assert windows.shape == (1, 100, 96)
    vector = sound_encoder.encode_audio(samples, 48000)
    assert np.isfinite(vector).all() and abs(float(np.linalg.norm(vector)) - 1) < 1e-5


def test_stereo_input_is_refused(sound_encoder) -> None:
    with pytest.raises(ValueError, match="mono"):
        sound_encoder.preprocess_audio(np.zeros((100, 2), np.float32), RATE)
