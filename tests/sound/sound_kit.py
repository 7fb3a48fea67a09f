"""Synthetic sounds for the sound-model tests: two families a listener tells apart at once.

Tonal sounds are harmonic notes and chords at different pitches and lengths; noisy ones are
filtered noise bursts, clicks and rain-like crackle. Everything is made with numpy from a seed.
"""

from __future__ import annotations

import numpy as np

RATE = 44100


def _envelope(n: int, attack: float, decay: float, rate: int) -> np.ndarray:
    t = np.arange(n) / rate
    return np.minimum(1.0, t / attack) * np.exp(-t / decay)


def note(freqs: list[float], seconds: float, rate: int = RATE, decay: float = 1.0) -> np.ndarray:
    """A harmonic note or chord: each fundamental with five decaying partials."""
    t = np.arange(int(seconds * rate)) / rate
    wave = np.zeros_like(t)
    for f in freqs:
        for k in range(1, 6):
            wave += np.sin(2 * np.pi * f * k * t) / k
    return (wave * _envelope(len(t), 0.01, decay, rate) / len(freqs)).astype(np.float32)


def noise_burst(seed: int, seconds: float, cutoff: float, rate: int = RATE) -> np.ndarray:
    """White noise low-passed at ``cutoff`` Hz (FFT mask), in a few bursts."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    spec = np.fft.rfft(rng.standard_normal(n))
    spec[np.fft.rfftfreq(n, 1 / rate) > cutoff] = 0
    gate = (np.sin(2 * np.pi * rng.uniform(1.5, 3.0) * np.arange(n) / rate) > -0.3).astype(float)
    return (np.fft.irfft(spec, n) * gate * 0.3).astype(np.float32)


def crackle(seed: int, seconds: float, density: float, rate: int = RATE) -> np.ndarray:
    """Rain-like crackle: many short random clicks, each a decaying noise grain."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    out = np.zeros(n)
    grain = rng.standard_normal(200) * np.exp(-np.arange(200) / 30)
    for pos in rng.integers(0, n - 200, int(density * seconds)):
        out[pos : pos + 200] += grain * rng.uniform(0.2, 1.0)
    return (out / max(1e-9, np.abs(out).max()) * 0.5).astype(np.float32)


def families() -> dict[str, list[np.ndarray]]:
    """Six tonal and six noisy sounds, 2-4 s long."""
    tonal = [
        note([220.0], 2.5),
        note([330.0], 3.0),
        note([523.25], 2.0, decay=0.6),
        note([261.6, 329.6, 392.0], 3.5),
        note([196.0, 246.9, 293.7], 2.5),
        note([440.0, 554.4, 659.3], 3.0, decay=1.5),
    ]
    noisy = [
        noise_burst(1, 2.5, 2000),
        noise_burst(2, 3.0, 6000),
        noise_burst(3, 2.0, 12000),
        crackle(4, 3.0, 300),
        crackle(5, 3.5, 800),
        crackle(6, 2.5, 150),
    ]
    return {"tonal": tonal, "noisy": noisy}
