"""Making small test media with PyAV: videos of known shots, tones in any audio codec.

Every fixture of tests/media is made here, at run time, from solid colours and sine tones, so
what a decoder should find (cut times, frequencies, durations) is known exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

Picture = Callable[[float], np.ndarray]

COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (230, 30, 30),
    "green": (30, 200, 60),
    "blue": (30, 60, 230),
    "white": (245, 245, 245),
    "black": (10, 10, 10),
    "yellow": (240, 220, 30),
    "grey": (128, 128, 128),
}


def solid(colour: str, size: tuple[int, int] = (160, 120)) -> np.ndarray:
    """A frame of one colour (height x width x 3, uint8)."""
    frame = np.empty((size[1], size[0], 3), np.uint8)
    frame[:] = COLOURS[colour]
    return frame


def shots(plan: Sequence[tuple[float, str]], size: tuple[int, int] = (160, 120)) -> Picture:
    """A picture function for shots of solid colours: [(seconds, colour), ...] in order.

    Each shot has a grain of its own and a small white square at a place of its own, so two
    shots of one colour still differ where things are."""
    frames, ends, elapsed = [], [], 0.0
    rng = np.random.default_rng(7)
    for n, (seconds, colour) in enumerate(plan):
        grain = rng.integers(-12, 13, (size[1], size[0], 1))  # texture: files of some size
        frame = np.clip(solid(colour, size).astype(int) + grain, 0, 255).astype(np.uint8)
        x = 8 + (n * 29) % max(1, size[0] - 24)
        frame[8:24, x : x + 16] = 255
        frames.append(frame)
        elapsed += seconds
        ends.append(elapsed)

    def picture(t: float) -> np.ndarray:
        for frame, end in zip(frames, ends, strict=True):
            if t < end - 1e-9:
                return frame
        return frames[-1]

    return picture


def cut_times(plan: Sequence[tuple[float, str]]) -> list[float]:
    """Where each shot of a plan starts."""
    starts, elapsed = [], 0.0
    for seconds, _ in plan:
        starts.append(elapsed)
        elapsed += seconds
    return starts


def tone(freq: float, seconds: float, rate: int, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(round(seconds * rate))) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


VIDEO_CODECS = {  # extension -> (container format, video codec, pixel format, audio codec)
    ".mp4": ("mp4", "libx264", "yuv420p", "aac"),
    ".m4v": ("mp4", "libx264", "yuv420p", "aac"),
    ".mov": ("mov", "mpeg4", "yuv420p", "aac"),
    ".mkv": ("matroska", "libx265", "yuv420p", "libopus"),
    ".webm": ("webm", "libvpx-vp9", "yuv420p", "libopus"),
    ".avi": ("avi", "mjpeg", "yuvj420p", "mp3"),
    ".mpg": ("mpeg", "mpeg2video", "yuv420p", "mp2"),
    ".3gp": ("3gp", "mpeg4", "yuv420p", "aac"),
}

_QUIET = {"libx265": {"x265-params": "log-level=none"}, "libx264": {"preset": "ultrafast"}}


def write_video(
    path: Path,
    picture: Picture,
    seconds: float,
    *,
    fps: int = 10,
    size: tuple[int, int] = (160, 120),
    codec: str | None = None,
    audio_freq: float | None = None,
    rotation: int = 0,
    times: Sequence[float] | None = None,
) -> Path:
    """Encode ``picture(t)`` for ``seconds`` at ``fps`` (or at the given frame ``times``, for
    variable frame rates), with a sine tone when ``audio_freq`` is given."""
    fmt, default_codec, pix_fmt, audio_codec = VIDEO_CODECS[path.suffix.lower()]
    codec = codec or default_codec
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else pix_fmt
        stream.codec_context.options = dict(_QUIET.get(codec, {}))
        if codec in ("libx264", "libx265", "mpeg4", "libvpx-vp9"):
            stream.codec_context.gop_size = fps * 2
        if rotation:
            stream.set_display_rotation(rotation)
        sound = _add_audio(container, audio_codec, audio_freq, seconds)
        stream.codec_context.time_base = Fraction(1, 1000) if times else Fraction(1, fps)
        frame_times = times if times is not None else [i / fps for i in range(int(seconds * fps))]
        for t in frame_times:
            frame = av.VideoFrame.from_ndarray(picture(t), format="rgb24")
            frame.pts = round(t * 1000) if times else round(t * fps)
            frame.time_base = stream.codec_context.time_base
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
        if sound is not None:
            _encode_audio(container, *sound)
    return path


def _add_audio(
    container: av.container.OutputContainer, codec: str, freq: float | None, seconds: float
) -> tuple[av.audio.stream.AudioStream, np.ndarray] | None:
    if freq is None:
        return None
    rate = 48000 if codec == "libopus" else 44100
    stream = container.add_stream(codec, rate=rate, layout="stereo")
    return stream, tone(freq, seconds, rate)


def _encode_audio(
    container: av.container.OutputContainer, stream: av.audio.stream.AudioStream, x: np.ndarray
) -> None:
    ctx = stream.codec_context
    rate, fmt = ctx.sample_rate, ctx.format.name
    step = ctx.frame_size or 1024
    for i in range(0, x.size, step):
        block = x[i : i + step]
        frame = _audio_frame(np.stack([block, block]), fmt, rate, i)
        container.mux(stream.encode(frame))
    container.mux(stream.encode(None))


def _audio_frame(stereo: np.ndarray, fmt: str, rate: int, pts: int) -> av.AudioFrame:
    scale = {"s16": (32767, np.int16), "s32": (2**31 - 1, np.int32)}
    factor, dtype = scale.get(fmt.rstrip("p"), (1, np.float32))
    data = (stereo.astype(np.float64) * factor).astype(dtype)
    if not fmt.endswith("p"):  # packed: samples interleaved in one plane
        data = data.T.reshape(1, -1)
    frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format=fmt, layout="stereo")
    frame.sample_rate, frame.pts, frame.time_base = rate, pts, Fraction(1, rate)
    return frame


AUDIO_CODECS = {  # extension -> (container format, codec, sample rate)
    ".wav": ("wav", "pcm_s16le", 44100),
    ".flac": ("flac", "flac", 44100),
    ".mp3": ("mp3", "libmp3lame", 44100),
    ".ogg": ("ogg", "vorbis", 44100),
    ".opus": ("opus", "libopus", 48000),
    ".m4a": ("ipod", "aac", 44100),
    ".wma": ("asf", "wmav2", 44100),
}


def write_audio(
    path: Path,
    seconds: float,
    freq: float = 440.0,
    *,
    samples: np.ndarray | None = None,
    tags: dict[str, str] | None = None,
) -> Path:
    """A stereo sine tone (or the given mono ``samples``) in the codec of the extension."""
    fmt, codec, rate = AUDIO_CODECS[path.suffix.lower()]
    path.parent.mkdir(parents=True, exist_ok=True)
    x = samples if samples is not None else tone(freq, seconds, rate)
    with av.open(str(path), "w", format=fmt) as container:
        container.metadata.update(tags or {})
        stream = container.add_stream(codec, rate=rate, layout="stereo")
        if codec == "vorbis":
            stream.codec_context.options = {"strict": "-2"}
        if codec == "wmav2":
            stream.bit_rate = 128000
        _encode_audio(container, stream, x)
    return path
