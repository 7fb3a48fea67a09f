"""Transcription speed and word recall on CPU: the bundled Whisper tiny.en (CTranslate2 int8)
over espeak-ng speech of several lengths, a few minutes of talk, and sounds without speech.

For each clip: its length, the wall and CPU seconds transcribing took and each over the
sound's length (the real-time factor; under 1 is faster than real time), the share of the
words said that came back (espeak's robot voice is harder than a person's, so recall is a
floor), and the segments.
The long recording goes through the job's own path (decoded in 30 s chunks, transcribed in
windows of ``--window`` seconds cut at quiet moments). Files/s is over the short clips, as
indexing a folder of voice notes would see it. Needs espeak-ng.

    python bench/transcription_speed.py [--threads 0] [--minutes 3] [--window 240]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from mmdesk.config import REPO_ROOT
from mmdesk.core.enrich.transcripts import windows
from mmdesk.core.media.audio import iter_audio, load_audio
from mmdesk.plugins.manifest import load_manifest
from mmdesk.plugins.runtimes.whisper import WhisperTranscriber
from mmdesk.plugins.session import SessionOptions

RATE = 16000
SENTENCES = [
    "Meet me at the railway station tomorrow morning.",
    "Please water the garden every evening.",
    "Call the doctor about the broken window.",
    "The meeting moved to Thursday afternoon at three.",
    "We need milk, bread and a dozen eggs from the shop.",
    "Remember to send the invoice before the end of the month.",
    "The children played football in the park until it was dark.",
    "Turn left after the bridge and park next to the church.",
    "My sister is flying to Lisbon on the second of June.",
    "The battery of the camera is almost empty.",
    "Our neighbours painted their kitchen bright yellow.",
    "Could you book a table for four people on Saturday?",
]
CLIPS = {
    "one word (~0.7 s)": "stop",
    "phrase (~3 s)": SENTENCES[0],
    "three sentences (~10 s)": " ".join(SENTENCES[1:4]),
    "paragraph (~30 s)": " ".join(SENTENCES[:10]),
}


def speak(path: Path, text: str) -> Path:
    subprocess.run(["espeak-ng", "-w", str(path), text], check=True, timeout=120)
    return path


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def recall(said: str, heard: str) -> float:
    pool, found = words(heard), 0
    for word in words(said):
        if word in pool:
            pool.remove(word)
            found += 1
    return found / max(1, len(words(said)))


def talk(folder: Path, minutes: float) -> tuple[Path, str]:
    """A recording of about ``minutes``: the sentences in turn with pauses of 0.5 to 4 s."""
    rng = np.random.default_rng(0)
    parts, said, total = [], [], 0.0
    for n in range(10_000):
        text = SENTENCES[n % len(SENTENCES)]
        speech = load_audio(str(speak(folder / "part.wav", text)), RATE)
        pause = np.zeros(int(rng.uniform(0.5, 4.0) * RATE), np.float32)
        parts += [speech, pause]
        said.append(text)
        total += (speech.size + pause.size) / RATE
        if total >= minutes * 60:
            break
    path = folder / "talk.wav"
    write_wav(path, np.concatenate(parts))
    return path, " ".join(said)


def write_wav(path: Path, samples: np.ndarray) -> None:
    import wave

    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype(np.int16).tobytes())


def no_speech(folder: Path) -> dict[str, Path]:
    """Ten seconds of chords, of white noise and of a quiet room."""
    t = np.arange(10 * RATE) / RATE
    chords = sum(np.sin(2 * np.pi * f * t) for f in (261.6, 329.6, 392.0)) * 0.07
    rng = np.random.default_rng(1)
    sounds = {
        "chords (10 s)": chords,
        "white noise (10 s)": 0.1 * rng.standard_normal(t.size),
        "quiet room (10 s)": 2e-4 * rng.standard_normal(t.size),
    }
    out: dict[str, Path] = {}
    for name, samples in sounds.items():
        out[name] = folder / f"{len(out)}.wav"
        write_wav(out[name], np.asarray(samples, np.float32))
    return out


class Clock:
    """Wall and CPU seconds (all threads) since it was made: on a shared machine the CPU
    seconds say what the work costs, the wall seconds what this run waited."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def took(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def row(name: str, seconds: float, took: tuple[float, float], said: str, heard: list[str]) -> str:
    wall, cpu = took
    rec = f"{recall(said, ' '.join(heard)):6.0%}" if said else "     -"
    return (
        f"{name:26} {seconds:7.1f} {wall:7.2f} {wall / seconds:6.3f} {cpu:7.2f} "
        f"{cpu / seconds:6.3f} {rec} {len(heard):5d}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: CTranslate2's)")
    parser.add_argument("--minutes", type=float, default=3.0, help="length of the long talk")
    parser.add_argument("--window", type=float, default=240.0, help="seconds per window")
    args = parser.parse_args()
    if shutil.which("espeak-ng") is None:
        raise SystemExit("needs espeak-ng (apt-get install espeak-ng)")
    [spec] = load_manifest(REPO_ROOT / "plugins" / "whisper").transcribers
    runtime = WhisperTranscriber(spec, SessionOptions("cpu", args.threads))
    started = time.perf_counter()
    runtime.transcribe(load_audio(str(speak(Path(tempfile.mkdtemp()) / "w.wav", "hello"))), RATE)
    print(f"model load + first call: {time.perf_counter() - started:.2f} s ({spec.id}, int8)")
    head = ("clip", "sound s", "wall s", "RTF", "cpu s", "cpu/s", "recall", "segs")
    print("{:26} {:>7} {:>7} {:>6} {:>7} {:>6} {:>6} {:>5}".format(*head))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        short_took, short_files = 0.0, 0
        for name, text in CLIPS.items():
            samples = load_audio(str(speak(folder / "clip.wav", text)), RATE)
            clock = Clock()
            heard = [s.text for s in runtime.transcribe(samples, RATE)]
            took = clock.took()
            short_took, short_files = short_took + took[0], short_files + 1
            print(row(name, samples.size / RATE, took, text, heard))
        for name, path in no_speech(folder).items():
            samples = load_audio(str(path), RATE)
            clock = Clock()
            heard = [s.text for s in runtime.transcribe(samples, RATE)]
            print(row(name, samples.size / RATE, clock.took(), "", heard))
        path, said = talk(folder, args.minutes)
        clock, heard, length = Clock(), [], 0.0
        for offset, samples in windows(iter_audio(str(path), RATE, 30.0), args.window):
            heard += [s.text for s in runtime.transcribe(samples, RATE)]
            length = offset + samples.size / RATE
        took = clock.took()
        print(row(f"talk (~{args.minutes:g} min, decoded)", length, took, said, heard))
    print(f"short clips: {short_files / short_took:.2f} files/s (wall)")


if __name__ == "__main__":
    main()
