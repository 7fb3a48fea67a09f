"""Speed and retrieval quality of the offline sound model (``sounds/aisfx``).

* speed: files per second of ``encode_audio`` on 10-s and 60-s sounds given at 48 kHz (what the
  decoders hand over; resampling included), split into front end and network;
* synthetic retrieval: four families made with numpy (notes and chords, noise bursts, crackle,
  sweeps), precision at 1 and at 5 of each sound's neighbours by cosine;
* with ``--corpus DIR`` (a folder with ``labels.csv``: path, label), the same by label over the
  sounds whose label has at least two members, decoded with PyAV.

Usage::

    python bench/sound_similarity.py [--plugin plugins/sounds] [--threads 0] [--files 4]
        [--corpus ../shared/corpora/audio_sfx]

Without ``--plugin`` the plugin is built into a temporary folder (needs torch and aisfx).
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mmdesk.plugins.runtimes.aisfx_audio import AisfxAudioEncoder, resample  # noqa: E402
from mmdesk.plugins.session import SessionOptions  # noqa: E402
from mmdesk.plugins.specs import EncoderSpec  # noqa: E402

RATE = 48000


def load_encoder(folder: Path, threads: int) -> AisfxAudioEncoder:
    """The runtime on a plugin folder, read without discovery (the bench checks the model)."""
    raw = tomllib.loads((folder / "plugin.toml").read_text(encoding="utf-8"))["encoders"][0]
    spec = EncoderSpec(
        id=raw["id"], space=raw["space"], modality=raw["modality"], dim=raw["dim"],
        model=raw["model"], folder=folder, plugin_id="sounds", plugin_version="bench",
        preprocess=raw["preprocess"], io=raw["io"],
    )  # fmt: skip
    return AisfxAudioEncoder(spec, SessionOptions("cpu", threads))


def _note(rng: np.random.Generator, n: int) -> np.ndarray:
    t = np.arange(n) / RATE
    freqs = rng.choice([130.8, 196.0, 261.6, 329.6, 392.0, 523.3], rng.integers(1, 4), False)
    wave = sum(np.sin(2 * np.pi * f * k * t) / k for f in freqs for k in range(1, 6))
    return np.asarray(wave) * np.exp(-t / rng.uniform(0.5, 2.0))


def _burst(rng: np.random.Generator, n: int) -> np.ndarray:
    spec = np.fft.rfft(rng.standard_normal(n))
    spec[np.fft.rfftfreq(n, 1 / RATE) > rng.uniform(1500, 15000)] = 0
    gate = np.sin(2 * np.pi * rng.uniform(1.0, 3.0) * np.arange(n) / RATE) > -0.3
    return np.fft.irfft(spec, n) * gate


def _crackle(rng: np.random.Generator, n: int) -> np.ndarray:
    out = np.zeros(n)
    grain = rng.standard_normal(200) * np.exp(-np.arange(200) / 30)
    for pos in rng.integers(0, n - 200, int(rng.uniform(100, 1000) * n / RATE)):
        out[pos : pos + 200] += grain * rng.uniform(0.2, 1.0)
    return out


def _sweep(rng: np.random.Generator, n: int) -> np.ndarray:
    t = np.arange(n) / RATE
    f0, f1 = rng.uniform(200, 800), rng.uniform(2000, 8000)
    if rng.random() < 0.5:
        f0, f1 = f1, f0
    return np.sin(2 * np.pi * (f0 * t + (f1 - f0) * t**2 / (2 * t[-1])))


FAMILIES = {"notes": _note, "bursts": _burst, "crackle": _crackle, "sweeps": _sweep}


def synthetic(per_family: int = 8, seed: int = 0) -> tuple[list[np.ndarray], list[str]]:
    """``per_family`` sounds of 1.5-4 s per family, peak 0.5, float32 at 48 kHz."""
    rng = np.random.default_rng(seed)
    sounds, labels = [], []
    for name, make in FAMILIES.items():
        for _ in range(per_family):
            wave = make(rng, int(rng.uniform(1.5, 4.0) * RATE))
            sounds.append((0.5 * wave / max(1e-9, np.abs(wave).max())).astype(np.float32))
            labels.append(name)
    return sounds, labels


def precision(vectors: np.ndarray, labels: list[str], k: int = 5) -> tuple[int, float, float]:
    """(queries, P@1, P@min(k, same-label count)) over items with a same-label neighbour."""
    names = np.array(labels)
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -np.inf)
    p1, pk = [], []
    for i in range(len(names)):
        same = int((names == names[i]).sum()) - 1
        if same < 1:
            continue
        order = np.argsort(-sims[i])[: min(k, same)]
        p1.append(names[order[0]] == names[i])
        pk.append(float(np.mean(names[order] == names[i])))
    return len(p1), float(np.mean(p1)), float(np.mean(pk))


def speed(encoder: AisfxAudioEncoder, seconds: float, files: int) -> dict[str, float]:
    """Files/s of encode_audio on ``files`` sounds of ``seconds`` at 48 kHz, and its parts."""
    rng = np.random.default_rng(1)
    sounds = [
        (0.3 * (_note(rng, int(seconds * RATE)) + _burst(rng, int(seconds * RATE)))).astype(
            np.float32
        )
        for _ in range(files)
    ]
    encoder.encode_audio(sounds[0][:RATE], RATE)  # loads the model
    start = time.perf_counter()
    windows = [encoder.preprocess_audio(s, RATE) for s in sounds]
    front = time.perf_counter() - start
    for w in windows:
        encoder.encode(w)
    total = time.perf_counter() - start
    return {
        "files/s": files / total,
        "x realtime": files * seconds / total,
        "front end s/file": front / files,
        "network s/file": (total - front) / files,
        "windows/file": float(np.mean([len(w) for w in windows])),
    }


def decode(path: Path) -> np.ndarray:
    """Mono float32 at 48 kHz, with PyAV."""
    import av

    parts = []
    with av.open(str(path)) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        for frame in container.decode(audio=0):
            parts += [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
        parts += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)


def corpus(encoder: AisfxAudioEncoder, root: Path) -> tuple[int, int, float, float]:
    """(items, queries, P@1, P@5) by label on a labelled sound folder."""
    rows = list(csv.DictReader(open(root / "labels.csv", encoding="utf-8")))
    vectors = np.stack([encoder.encode_audio(decode(root / r["path"]), RATE) for r in rows])
    n, p1, p5 = precision(vectors, [r["label"] for r in rows])
    return len(rows), n, p1, p5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plugin", type=Path, help="a built sounds plugin folder")
    parser.add_argument("--corpus", type=Path, help="folder with labels.csv (path, label)")
    parser.add_argument("--threads", type=int, default=0, help="ONNX Runtime intra-op threads")
    parser.add_argument("--files", type=int, default=4, help="sounds per speed measurement")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.plugin
        if folder is None:
            from mmdesk.export.sound_model import build_sound

            folder = build_sound(Path(tmp) / "sounds")
        encoder = load_encoder(folder, args.threads)
        head = f"{'sound':>6} | {'files/s':>7} | {'x realtime':>10} | front end s | network s"
        print(f"{head} | windows")
        for seconds, files in ((10.0, args.files), (60.0, max(1, args.files // 2))):
            s = speed(encoder, seconds, files)
            print(
                f"{seconds:>5.0f}s | {s['files/s']:>7.2f} | {s['x realtime']:>10.1f} | "
                f"{s['front end s/file']:>11.3f} | {s['network s/file']:>9.3f} | "
                f"{s['windows/file']:>7.0f}"
            )
        sounds, labels = synthetic()
        vectors = np.stack([encoder.encode_audio(s, RATE) for s in sounds])
        rows = [("synthetic (4 families x 8)", len(sounds), *precision(vectors, labels))]
        copies = np.stack([encoder.encode_audio(resample(s, RATE, 22050), 22050) for s in sounds])
        found = float(np.mean(np.argmax(copies @ vectors.T, axis=1) == np.arange(len(sounds))))
        if args.corpus:
            rows.append((f"corpus {args.corpus.name}", *corpus(encoder, args.corpus)))
        print(f"\n{'set':<28} | items | queries |  P@1  |  P@5")
        for name, items, queries, p1, p5 in rows:
            print(f"{name:<28} | {items:>5} | {queries:>7} | {p1:.3f} | {p5:.3f}")
        print(f"\n22.05 kHz copy finds its original first: {found:.3f} of {len(sounds)}")
        print(f"provider: {encoder.provider}, threads: {args.threads or 'runtime default'}")


if __name__ == "__main__":
    main()
