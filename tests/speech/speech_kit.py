"""Sounds for the speech tests, made here: espeak-ng speech, silence, chords and noise, other
formats through PyAV; word recall; sound files entered in a store the way indexing will."""

from __future__ import annotations

import re
import shutil
import subprocess
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mmdesk.config import REPO_ROOT, Settings
from mmdesk.store import Store

PHRASE = "Meet me at the railway station tomorrow morning."
OTHER = "Please water the garden every evening."
RATE = 22050  # espeak-ng's own rate: the transcriber has to resample


def espeak() -> str:
    """The espeak-ng binary, or skip the test saying why."""
    found = shutil.which("espeak-ng")
    if found is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng) to make speech")
    return found


def speak(path: Path, text: str, voice: str = "en") -> Path:
    """``text`` spoken by espeak-ng into a wav file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([espeak(), "-v", voice, "-w", str(path), text], check=True, timeout=60)
    return path


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Mono float32 samples of a 16-bit wav and its rate."""
    with wave.open(str(path)) as w:
        raw = np.frombuffer(w.readframes(w.getnframes()), np.int16)
        channels, rate = w.getnchannels(), w.getframerate()
    return (raw.reshape(-1, channels).mean(axis=1) / 32768).astype(np.float32), rate


def write_wav(path: Path, samples: np.ndarray, rate: int = RATE) -> Path:
    """Mono float samples in [-1, 1] as a 16-bit wav."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


def seconds(path: Path) -> float:
    """A wav file's length."""
    samples, rate = read_wav(path)
    return samples.size / rate


def chord(secs: float, rate: int = RATE) -> np.ndarray:
    """C major held, then A minor: music-like, no words."""
    t = np.arange(int(secs * rate)) / rate
    notes = np.where(t < secs / 2, 0, 1)
    out = np.zeros_like(t)
    for low, high in ((261.6, 220.0), (329.6, 261.6), (392.0, 329.6)):
        out += np.sin(2 * np.pi * np.where(notes == 0, low, high) * t)
    return (0.2 * out / 3).astype(np.float32)


def noise(secs: float, level: float = 0.05, rate: int = RATE, seed: int = 0) -> np.ndarray:
    """White noise; at a tiny ``level``, the hiss of a quiet room."""
    return (level * np.random.default_rng(seed).standard_normal(int(secs * rate))).astype(
        np.float32
    )


def joined(path: Path, *parts: np.ndarray, rate: int = RATE) -> Path:
    """Sounds one after another in one wav."""
    return write_wav(path, np.concatenate(parts), rate)


def convert(wav: Path, out: Path, codec: str, rate: int = 16000) -> Path:
    """``wav`` re-encoded by PyAV (``codec`` e.g. "flac", "aac", "libmp3lame")."""
    import av

    samples, src_rate = read_wav(wav)
    with av.open(str(out), "w") as container:
        stream: Any = container.add_stream(codec, rate=rate, layout="mono")
        resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=rate)
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = src_rate
        for part in [*resampler.resample(frame), *resampler.resample(None)]:
            container.mux(stream.encode(part))
        container.mux(stream.encode(None))
    return out


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def recall(said: str, heard: str) -> float:
    """The share of the words said that were heard (each heard word counts once)."""
    pool = words(heard)
    found = 0
    for word in words(said):
        if word in pool:
            pool.remove(word)
            found += 1
    return found / max(1, len(words(said)))


def whisper_plugin(root: Path) -> Path:
    """A copy of the bundled Whisper plugin in ``root``."""
    shutil.copytree(REPO_ROOT / "plugins" / "whisper", root / "whisper")
    return root / "whisper"


def settings_in(data: Path, plugins: Path, mp: pytest.MonkeyPatch) -> Settings:
    """Settings on the data folder ``data`` whose only plugins are those in ``plugins``."""
    from mmdesk import config

    mp.setenv("MMDESK_DATA_DIR", str(data))
    mp.setenv("MMDESK_PLUGIN_PATH", str(plugins))
    mp.setattr(config, "BUNDLED_PLUGINS", data / "no-bundled-plugins")
    return config.Settings(threads=2)


def add_sound(store: Store, path: Path) -> int:
    """An indexed audio file and its whole sound item, as indexing makes them; the item id."""
    info = path.stat()
    file_id = store.upsert_file(
        str(path.resolve()),
        size=info.st_size,
        mtime_ns=info.st_mtime_ns,
        kind="audio",
        status="indexed",
    )
    return store.ensure_item(file_id, "audio_segment")
