"""Indexing videos and sounds through the real index path, with where the time goes.

Videos (default: ../shared/corpora/videos_real, 13 real files of several codecs) are indexed
into a fresh library with the active image model at the default frame sampling; then the same
files are decoded and sampled alone (no model), and the kept frames encoded alone, so the
shares of decoding and encoding are measured side by side in one run. Sounds (default:
../shared/corpora/audio_sfx) are indexed with the sound model, with transcription off and on.

    python bench/media_index.py [--videos DIR] [--sounds DIR] [-n 60] [--json]

Prints: seconds of video indexed per wall second, frames kept per minute of video, the
decode/encode split, and sound files indexed per second (with and without transcripts).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from mmdesk.config import REPO_ROOT, Settings
from mmdesk.core.library import Library
from mmdesk.core.media.video import VideoDecoder
from mmdesk.kinds import EXTENSIONS

CORPORA = REPO_ROOT.parent / "shared" / "corpora"


def copy_media(source: Path, kind: str, out: Path, n: int) -> list[Path]:
    files = sorted(p for p in source.rglob("*") if p.suffix.lower() in EXTENSIONS[kind])[:n]
    if not files:
        raise SystemExit(f"no {kind} files in {source}")
    out.mkdir(parents=True, exist_ok=True)
    copied = []
    for i, path in enumerate(files):
        target = out / f"{i:04}-{path.name}"
        shutil.copyfile(path, target)
        copied.append(target)
    return copied


def library(work: Path, name: str) -> Library:
    os.environ["MMDESK_DATA_DIR"] = str(work / name)
    return Library(Settings())


def video_figures(work: Path, videos: list[Path]) -> dict[str, Any]:
    with library(work, "video-lib") as lib:
        lib.store.set_setting("transcripts", "off")  # the video part only
        lib.store.set_setting("ocr", "off")
        lib.store.set_setting("captions.new", "off")
        start = time.perf_counter()
        report = lib.index([videos[0].parent])
        index_s = time.perf_counter() - start
        frames = lib.items_by_kind().get("video_frame", 0)
        encoder = lib.registry.encoder(lib.space().encoders["image"].id)
    decoder = VideoDecoder()
    duration, tensors = 0.0, []
    start = time.perf_counter()
    for path in videos:
        try:
            stream = decoder.open(str(path))
            for segment in stream.segments:
                if segment.image is not None:
                    tensors.append(encoder.preprocess(segment.image))
            duration += float(stream.meta.get("duration") or 0.0)
        except Exception as exc:  # noqa: BLE001 - a benchmark reports and goes on
            print(f"  {path.name}: {exc}")
    decode_s = time.perf_counter() - start
    start = time.perf_counter()
    for at in range(0, len(tensors), 32):
        encoder.encode(np.stack(tensors[at : at + 32]))
    encode_s = time.perf_counter() - start
    return {
        "videos": len(videos),
        "errors": report.errors,
        "video_seconds": round(duration, 1),
        "index_s": round(index_s, 2),
        "video_s_per_s": round(duration / index_s, 2) if index_s else None,
        "frames_kept": frames,
        "frames_per_minute": round(frames / (duration / 60), 1) if duration else None,
        "decode_sample_s": round(decode_s, 2),
        "encode_s": round(encode_s, 2),
        "decode_share": round(decode_s / (decode_s + encode_s), 2),
    }


def sound_figures(work: Path, sounds: list[Path]) -> dict[str, Any]:
    out: dict[str, Any] = {"files": len(sounds)}
    for transcripts in ("off", "on"):
        with library(work, f"sound-lib-{transcripts}") as lib:
            lib.store.set_setting("transcripts", transcripts)
            start = time.perf_counter()
            report = lib.index([sounds[0].parent])
            seconds = time.perf_counter() - start
            out[f"files_per_s_transcripts_{transcripts}"] = round(len(sounds) / seconds, 2)
            out[f"errors_transcripts_{transcripts}"] = report.errors
            if transcripts == "on":
                rows = lib.store.query("SELECT COUNT(*) AS n FROM texts WHERE source='transcript'")
                out["transcript_segments"] = int(rows[0]["n"])
            sound = lib.sound_searcher()
            out["sound_space"] = sound.space.id if sound else None
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--videos", type=Path, default=CORPORA / "videos_real")
    parser.add_argument("--sounds", type=Path, default=CORPORA / "audio_sfx")
    parser.add_argument("-n", type=int, default=60, help="at most N sound files")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mmdesk-bench-media-"))
    try:
        videos = copy_media(args.videos, "video", work / "videos", 1000)
        sounds = copy_media(args.sounds, "audio", work / "sounds", args.n)
        figures = {"video": video_figures(work, videos), "sound": sound_figures(work, sounds)}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    for part, values in figures.items():
        print(f"{part}:")
        for key, value in values.items():
            print(f"  {key:<32} {value}")


if __name__ == "__main__":
    main()
