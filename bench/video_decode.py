"""Video decoding speed at the default frame sampling, and where its time goes.

Makes a few 720p videos with cuts (moving textured shots of 3-9 s, H.264 by default; other
encoders with ``--codecs``) or takes the videos in ``--videos DIR``, then decodes each as
indexing does (``FrameSampler``: the change measure on 64x36 thumbnails, kept frames shrunk to
640) and, separately, takes its sound excerpt. Nothing is encoded by a model here; the full
index path is in bench/media_index.py.

    python bench/video_decode.py [--videos DIR] [--seconds 60] [--codecs libx264,libx265]
        [--threads N] [--json]

Prints per video and in total: seconds of video decoded per wall second, frames kept per
minute, and the shares of wall time in decoding, in the change measure and in making the kept
pictures (the rest: demuxing, Python, the sound excerpt when timed).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from mmdesk.core.media.audio import open_container, sound_excerpt
from mmdesk.core.media.video import FrameSampler, Sampling, main_video_stream

SIZE = (1280, 720)
VIDEO_EXTS = {".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".3gp"}


def make_video(path: Path, seconds: float, codec: str, fps: int = 30, seed: int = 0) -> Path:
    """A 720p video of moving textured shots with cuts every 3-9 s, with a tone."""
    rng = np.random.default_rng(seed)
    cuts, t = [], 0.0
    while t < seconds:
        cuts.append(t)
        t += float(rng.uniform(3, 9))
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = *SIZE, "yuv420p"
        if codec in ("libx264", "libx265"):
            stream.codec_context.options = {"preset": "ultrafast"}
        sound = container.add_stream("aac", rate=44100, layout="stereo")
        texture = None
        for i in range(int(seconds * fps)):
            when = i / fps
            shot = sum(1 for c in cuts if c <= when) - 1
            if texture is None or shot != texture[0]:
                texture = (shot, _texture(rng))
            moved = np.roll(texture[1], (i * 3) % SIZE[0], axis=1)  # a slow pan
            container.mux(stream.encode(av.VideoFrame.from_ndarray(moved, format="rgb24")))
        container.mux(stream.encode(None))
        _tone(container, sound, seconds)
    return path


def _texture(rng: np.random.Generator) -> np.ndarray:
    from PIL import Image

    base = rng.integers(0, 255, (9, 16, 3)).astype(np.uint8)
    smooth = np.asarray(Image.fromarray(base).resize(SIZE, Image.Resampling.BICUBIC))
    grain = rng.integers(-10, 11, (SIZE[1], SIZE[0], 1))
    return np.clip(smooth.astype(np.int16) + grain, 0, 255).astype(np.uint8)


def _tone(container: Any, stream: Any, seconds: float) -> None:
    rate, step = 44100, stream.codec_context.frame_size or 1024
    x = (0.3 * np.sin(2 * np.pi * 440 * np.arange(int(seconds * rate)) / rate)).astype(np.float32)
    for at in range(0, x.size, step):
        block = x[at : at + step]
        frame = av.AudioFrame.from_ndarray(np.stack([block, block]), format="fltp", layout="stereo")
        frame.sample_rate, frame.pts, frame.time_base = rate, at, Fraction(1, rate)
        container.mux(stream.encode(frame))
    container.mux(stream.encode(None))


def measure(path: Path, sampling: Sampling, threads: int = 0) -> dict[str, Any]:
    """Decode one video as indexing does; the wall time and its shares."""
    began = time.perf_counter()
    with open_container(str(path)) as container:
        stream = main_video_stream(container)
        assert stream is not None, f"{path} has no video"
        sampler = FrameSampler(container, stream, sampling, str(path))
        stream.codec_context.thread_count = threads  # before the first decode opens the codec
        sampler.first()
        kept = sum(1 for _ in sampler.kept())
    frames_wall = time.perf_counter() - began
    sound_began = time.perf_counter()
    has_sound = bool(av.open(str(path)).streams.audio)
    if has_sound:
        sound_excerpt(str(path))
    sound_wall = time.perf_counter() - sound_began
    stats, duration = sampler.stats, max(sampler.duration, sampler.stats.last_time)
    return {
        "video": path.name,
        "codec": stream.codec_context.name,
        "size": f"{stream.codec_context.width}x{stream.codec_context.height}",
        "duration_s": round(duration, 2),
        "wall_s": round(frames_wall, 3),
        "sound_excerpt_s": round(sound_wall, 3),
        "video_s_per_wall_s": round(duration / frames_wall, 1),
        "kept": kept,
        "kept_per_min": round(kept / max(duration, 1e-6) * 60, 1),
        "decoded_frames": stats.frames_decoded,
        "measured_frames": stats.frames_measured,
        "decode_share": round(stats.decode_s / frames_wall, 3),
        "measure_share": round(stats.measure_s / frames_wall, 3),
        "picture_share": round(stats.picture_s / frames_wall, 3),
        "truncated": sampler.truncation(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=Path, help="decode these videos instead of made ones")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of made videos")
    parser.add_argument("--codecs", default="libx264", help="encoders of the made videos")
    parser.add_argument("--threads", type=int, default=0, help="FFmpeg threads (0: auto)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.videos:
            videos = sorted(p for p in args.videos.iterdir() if p.suffix.lower() in VIDEO_EXTS)
        else:
            videos = []
            for n, codec in enumerate(args.codecs.split(",")):
                ext = ".mkv" if codec != "libx264" else ".mp4"
                made = make_video(Path(tmp) / f"cuts-{codec}{ext}", args.seconds, codec, seed=n)
                videos.append(made)
        rows = [measure(v, Sampling(), args.threads) for v in videos]
    report(rows, args.json)


def report(rows: list[dict[str, Any]], as_json: bool) -> None:
    duration = sum(r["duration_s"] for r in rows)
    wall = sum(r["wall_s"] for r in rows)
    total = {
        "videos": len(rows),
        "video_s_per_wall_s": round(duration / wall, 1),
        "kept_per_min": round(sum(r["kept"] for r in rows) / duration * 60, 1),
        "decode_share": round(sum(r["decode_share"] * r["wall_s"] for r in rows) / wall, 3),
        "measure_share": round(sum(r["measure_share"] * r["wall_s"] for r in rows) / wall, 3),
        "picture_share": round(sum(r["picture_share"] * r["wall_s"] for r in rows) / wall, 3),
        "cpus": os.cpu_count(),
    }
    if as_json:
        print(json.dumps({"videos": rows, "total": total}, indent=2))
        return
    for r in rows:
        print(
            f"{r['video']:32} {r['codec']:10} {r['size']:>9} {r['duration_s']:7.1f} s  "
            f"{r['video_s_per_wall_s']:6.1f} video-s/s  {r['kept_per_min']:5.1f} kept/min  "
            f"decode {r['decode_share']:.0%} measure {r['measure_share']:.0%} "
            f"pictures {r['picture_share']:.0%}  sound {r['sound_excerpt_s']:.2f} s"
            + (f"  ({r['truncated']})" if r["truncated"] else "")
        )
    print(
        f"total: {total['video_s_per_wall_s']} s of video per wall second, "
        f"{total['kept_per_min']} frames kept per minute, decode {total['decode_share']:.0%}, "
        f"measure {total['measure_share']:.0%}, pictures {total['picture_share']:.0%} "
        f"({total['cpus']} CPUs)"
    )


if __name__ == "__main__":
    main()
