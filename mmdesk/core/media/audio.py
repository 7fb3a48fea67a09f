"""Sound decoding with PyAV: streamed mono chunks, excerpts for audio encoders, waveforms.

Audio files can be hours long (podcasts, recordings of a whole day), so nothing here holds a
whole file: ``iter_audio`` streams chunks of about ``chunk_seconds``, and the excerpt an audio
encoder sees (``sound_excerpt``) is at most ``max_seconds`` long, taken by seeking to a few
places rather than by decoding everything. A corrupt packet costs its few milliseconds of sound,
not the file; a file that is not media at all is a :class:`MediaError` a person can read.
PyAV (and scipy for resampling) is imported on first use, so start-up does not pay for it.
"""

from __future__ import annotations

import logging
import math
import os
import re
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image, ImageDraw

from mmdesk.errors import MediaError
from mmdesk.kinds import FileKind

if TYPE_CHECKING:  # (decoders.py imports this module to register it: no cycle at run time)
    from av.audio.frame import AudioFrame
    from av.audio.resampler import AudioResampler
    from av.audio.stream import AudioStream
    from av.container import InputContainer

    from mmdesk.core.media.decoders import MediaStream

log = logging.getLogger(__name__)

SOUND_RATE = 48000  # the rate of the excerpt given to audio encoders (they resample)
EXCERPT_SECONDS = 30.0
PHOTO_TENSOR_BYTES = 600_000  # a photo's preprocessed tensor: the unit of look-ahead cost
_GAP_S = 0.25  # a jump in timestamps larger than this starts a new chunk at the new time
_MAX_DEMUX_ERRORS = 20  # consecutive container read errors before decoding stops
_WAVE_BG, _WAVE_FG, _WAVE_MID = (32, 38, 48), (96, 200, 230), (70, 80, 96)


@dataclass(frozen=True)
class AudioInfo:
    """What a container header says about its (first) sound track."""

    duration: float
    sample_rate: int
    channels: int
    codec: str


# -- opening containers (shared with video.py) ------------------------------------------------


def open_container(path: str) -> InputContainer:
    """Open a media container for reading: only regular files, errors a person understands.

    OSError (missing, permission) propagates as the environment's fault; a file that is
    empty or that FFmpeg cannot read as media is a MediaError.
    """
    import av

    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise MediaError(f"{path}: not a regular file")
    if info.st_size == 0:
        raise MediaError(f"{path}: empty file (0 bytes)")
    try:
        return av.open(path, mode="r", metadata_errors="ignore")
    except (FileNotFoundError, PermissionError):
        raise  # the environment's doing (vanished, permissions): retried on the next run
    except av.error.InvalidDataError as exc:
        raise MediaError(f"{path}: not a media file, or too damaged to read") from exc
    except av.FFmpegError as exc:  # EIO or EOF from the demuxer: a cut-off or damaged file
        raise MediaError(f"{path}: truncated or damaged media ({exc.strerror or exc})") from exc


def media_tags(container: InputContainer, *streams: Any) -> dict[str, str]:
    """Container and stream tags, keys lower-cased (Ogg keeps its comments on the stream)."""
    tags: dict[str, str] = {}
    for source in (*streams, container):
        for key, value in (source.metadata or {}).items():
            if isinstance(value, str) and value.strip():
                tags.setdefault(key.lower(), value.strip())
    return tags


_DATE = re.compile(r"(\d{4})[-:](\d{2})[-:](\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?")


def iso_date(tags: dict[str, str]) -> str | None:
    """An ISO 8601 capture date from creation_time/date tags (a bare year is not a date)."""
    for key in ("creation_time", "date", "com.apple.quicktime.creationdate", "year"):
        match = _DATE.match(tags.get(key, ""))
        if match:
            y, mo, d, h, mi, s = match.groups()
            if h is None:
                return f"{y}-{mo}-{d}"
            return f"{y}-{mo}-{d}T{h}:{mi}:{s or '00'}"
    return None


def stream_duration(container: InputContainer, stream: Any) -> float:
    """Seconds, from the stream header or else the container's (0.0 when neither knows)."""
    if stream.duration is not None and stream.time_base is not None:
        return max(0.0, float(stream.duration * stream.time_base))
    if container.duration is not None:
        return max(0.0, container.duration / 1_000_000)
    return 0.0


def _audio_stream(container: InputContainer) -> AudioStream | None:
    return container.streams.audio[0] if container.streams.audio else None


# -- probing ----------------------------------------------------------------------------------


def probe_audio(path: str) -> AudioInfo | None:
    """The sound track's facts from the container header; None when there is no sound."""
    with open_container(path) as container:
        stream = _audio_stream(container)
        if stream is None:
            return None
        ctx = stream.codec_context
        return AudioInfo(
            duration=stream_duration(container, stream),
            sample_rate=int(ctx.sample_rate or 0),
            channels=int(ctx.channels or 0),
            codec=ctx.name,
        )


# -- streaming --------------------------------------------------------------------------------


class PacketReader:
    """The decoded frames of one stream, in order, despite damage and within a deadline.

    A packet that fails to decode is skipped (``errors`` counts them); a read error in the
    container is retried a few times, since the demuxer resynchronises on the next packet.
    ``stopped`` says why reading ended early ("budget", "read errors"), None at the end.
    The deadline counts only once a frame came, so a budget never leaves a file with nothing.
    """

    def __init__(self, container: InputContainer, stream: Any, deadline: float | None = None):
        self.container, self.stream, self.deadline = container, stream, deadline
        self.errors = 0
        self.last_error = ""
        self.stopped: str | None = None
        self.decode_s = 0.0  # wall time spent in the decoder (for benchmarks)
        self.frames_out = 0

    def frames(self) -> Iterator[Any]:
        import av

        demux_errors = 0
        while demux_errors < _MAX_DEMUX_ERRORS:
            try:
                for packet in self.container.demux(self.stream):
                    demux_errors = 0
                    if self._past_deadline():
                        self.stopped = "budget"
                        return
                    for frame in self._decode(packet):
                        self.frames_out += 1
                        yield frame
                return
            except av.EOFError:
                return
            except av.FFmpegError as exc:
                demux_errors += 1
                self._skip(exc)
        self.stopped = "read errors"

    def _past_deadline(self) -> bool:
        return (
            self.deadline is not None and self.frames_out > 0 and time.monotonic() > self.deadline
        )

    def _decode(self, packet: Any) -> list[Any]:
        import av

        began = time.perf_counter()
        try:
            return list(packet.decode())
        except av.FFmpegError as exc:
            self._skip(exc)
            return []
        finally:
            self.decode_s += time.perf_counter() - began

    def _skip(self, exc: Exception) -> None:
        self.errors += 1
        self.last_error = str(exc)


def start_offset(container: InputContainer) -> float:
    """The container's start time: times here count from it, as players show them."""
    start = container.start_time
    return start / 1_000_000 if start is not None and start > 0 else 0.0


class _MonoDecoder:
    """Decodes one sound track to mono float32 at one rate, yielding (time, samples) runs.

    Times follow the packets' timestamps, counted from the container's start: after a
    skipped packet or a jump in timestamps, a break marker (no samples) ends the current run
    and the next run starts at its own time.
    """

    def __init__(self, reader: PacketReader, rate: int, name: str):
        self.reader, self.rate, self.name = reader, rate, name
        self.offset = start_offset(reader.container)
        self.anchor: float | None = None  # time of the current run's first sample
        self.fed = 0.0  # seconds of input given to the resampler since the anchor
        self.resampler: AudioResampler | None = None
        self.emitted = 0  # samples of the current run produced so far
        self.seen_errors = 0
        self.decoded = False

    def runs(self, start: float) -> Iterator[tuple[float, np.ndarray]]:
        """Mono runs from ``start`` seconds until the end, the deadline or too much damage."""
        for frame in self.reader.frames():
            yield from self._convert(frame, start)
        yield from self._flush(start)
        if self.reader.stopped == "budget":
            log.info("%s: sound decoding stopped at its time budget", self.name)
        if not self.decoded and self.reader.errors:
            reason = self.reader.last_error
            raise MediaError(f"{self.name}: the sound cannot be decoded ({reason})")

    def _convert(self, frame: AudioFrame, start: float) -> Iterator[tuple[float, np.ndarray]]:
        if frame.samples == 0:
            return
        expected = None if self.anchor is None else self.anchor + self.fed
        when = frame.time - self.offset if frame.time is not None else expected
        skipped = self.reader.errors != self.seen_errors
        self.seen_errors = self.reader.errors
        if (
            self.anchor is None
            or skipped
            or (when is not None and expected is not None and abs(when - expected) > _GAP_S)
        ):
            yield from self._flush(start)
            self.anchor, self.fed = (when or 0.0), 0.0
        out = self._resample(frame)
        self.fed += frame.samples / float(frame.sample_rate or self.rate)
        yield from self._trim(out, start)

    def _resample(self, frame: AudioFrame) -> np.ndarray:
        import av

        # channels are kept and averaged here: FFmpeg's own mono downmix adds them at
        # 1/sqrt(2) each, which clips loud stereo
        if self.resampler is None:
            self.resampler = av.AudioResampler(format="fltp", rate=self.rate)
        try:
            outs = self.resampler.resample(frame)
        except ValueError:  # the track changed format or layout mid-stream
            self.resampler = av.AudioResampler(format="fltp", rate=self.rate)
            outs = self.resampler.resample(frame)
        return self._join(outs)

    def _join(self, frames: list[AudioFrame]) -> np.ndarray:
        arrays = [f.to_ndarray().mean(axis=0, dtype=np.float32) for f in frames]
        samples = np.concatenate(arrays) if arrays else np.zeros(0, np.float32)
        return np.clip(samples, -1.0, 1.0)

    def _flush(self, start: float) -> Iterator[tuple[float, np.ndarray]]:
        """End the current run: the resampler's buffered tail, then a break marker."""
        if self.resampler is not None:
            tail = self._join(self.resampler.resample(None))
            self.resampler = None
            yield from self._trim(tail, start)
        self.emitted = 0
        yield (math.nan, np.zeros(0, np.float32))

    def _trim(self, samples: np.ndarray, start: float) -> Iterator[tuple[float, np.ndarray]]:
        """Samples of this run at or after ``start``, with the time of their first sample."""
        if not samples.size or self.anchor is None:
            return
        when = self.anchor + self.emitted / self.rate
        self.emitted += samples.size
        if when < start:
            drop = min(samples.size, int(round((start - when) * self.rate)))
            samples, when = samples[drop:], max(start, when + drop / self.rate)
        if samples.size:
            self.decoded = True
            yield (when, samples)


def _chunks(
    runs: Iterator[tuple[float, np.ndarray]], rate: int, chunk_seconds: float
) -> Iterator[tuple[float, np.ndarray]]:
    """Regroup runs into chunks of ``chunk_seconds`` (shorter at a break or at the end)."""
    size = max(1, int(round(chunk_seconds * rate)))
    parts: list[np.ndarray] = []
    held, begin = 0, 0.0
    for when, samples in runs:
        if not samples.size:  # a break: what is held ends here
            if held:
                yield begin, np.concatenate(parts)
            parts, held = [], 0
            continue
        if not held:
            begin = when
        parts.append(samples)
        held += samples.size
        while held >= size:
            joined = np.concatenate(parts)
            yield begin, joined[:size]
            parts, held, begin = [joined[size:]], held - size, begin + size / rate
            if not held:
                parts = []
    if held:
        yield begin, np.concatenate(parts)


def iter_audio(
    path: str,
    sample_rate: int = 16000,
    chunk_seconds: float = 30.0,
    *,
    start: float = 0.0,
    budget_s: float | None = None,
) -> Iterator[tuple[float, np.ndarray]]:
    """Stream the sound of ``path`` as mono float32 chunks in [-1, 1] with their start times.

    Chunks are ``chunk_seconds`` long except at the end and where decoding had to skip
    damaged data (the next chunk then starts at the time the sound resumes). Past
    ``budget_s`` seconds of wall time decoding stops (logged at info). Raises MediaError when
    the file is not media, has no sound, or none of its sound can be decoded.
    """
    deadline = None if budget_s is None else time.monotonic() + budget_s
    with open_container(path) as container:
        stream = _audio_stream(container)
        if stream is None:
            raise MediaError(f"{path}: no audio stream")
        stream.codec_context.thread_type = "AUTO"
        if start > 0:
            seek(container, start)
        decoder = _MonoDecoder(PacketReader(container, stream, deadline), sample_rate, path)
        yield from _chunks(decoder.runs(start), sample_rate, chunk_seconds)


def seek(container: InputContainer, seconds: float) -> None:
    """Seek to the keyframe at or before ``seconds`` from the start (decoding forward from
    there reaches the time); when the file cannot seek, decoding starts from the beginning."""
    import av

    target = seconds + start_offset(container)
    try:
        container.seek(int(target * 1_000_000), backward=True, any_frame=False)
    except av.FFmpegError:
        log.info("%s: cannot seek; decoding from the start", container.name)


def load_audio(
    path: str, sample_rate: int = 16000, *, start: float = 0.0, max_seconds: float | None = None
) -> np.ndarray:
    """Mono float32 samples of ``path`` from ``start``, at most ``max_seconds`` of them."""
    limit = None if max_seconds is None else max(0, int(round(max_seconds * sample_rate)))
    parts: list[np.ndarray] = []
    held = 0
    chunk = 30.0 if max_seconds is None else max(0.5, min(30.0, max_seconds))
    for _, samples in iter_audio(path, sample_rate, chunk, start=start):
        parts.append(samples)
        held += samples.size
        if limit is not None and held >= limit:
            break
    joined = np.concatenate(parts) if parts else np.zeros(0, np.float32)
    return joined if limit is None else joined[:limit]


def sound_excerpt(
    path: str,
    sample_rate: int = SOUND_RATE,
    *,
    max_seconds: float = EXCERPT_SECONDS,
    pieces: int = 3,
) -> np.ndarray:
    """The sound an audio encoder sees: all of it when short, else ``pieces`` spread excerpts.

    At most ``max_seconds`` of samples; a long file is sought into, not decoded through.
    """
    info = probe_audio(path)
    if info is None:
        raise MediaError(f"{path}: no audio stream")
    if info.duration <= max_seconds or pieces <= 1:
        return load_audio(path, sample_rate, max_seconds=max_seconds)
    piece = max_seconds / pieces
    starts = [(info.duration - piece) * (i + 0.5) / pieces for i in range(pieces)]
    parts = [load_audio(path, sample_rate, start=s, max_seconds=piece) for s in starts]
    return np.concatenate(parts)


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Polyphase resampling (scipy's ``resample_poly``, Kaiser window): float32 out."""
    if from_rate == to_rate or not samples.size:
        return samples.astype(np.float32, copy=False)
    from scipy.signal import resample_poly

    g = math.gcd(int(from_rate), int(to_rate))
    out = resample_poly(samples.astype(np.float32, copy=False), to_rate // g, from_rate // g)
    return np.asarray(out, dtype=np.float32)


# -- pictures of sound ------------------------------------------------------------------------

_WAVE_RATE = 4000
_WAVE_FULL_S = 120.0  # shorter files are drawn whole; longer ones from spread excerpts


def waveform_image(path: str, size: tuple[int, int] = (320, 180)) -> Image.Image:
    """An RGB picture of the sound: min/max envelope per column, light on a dark slate ground
    (readable on light and dark themes alike). Long files are drawn from excerpts."""
    width, height = max(1, size[0]), max(1, size[1])
    samples = sound_excerpt(path, _WAVE_RATE, max_seconds=_WAVE_FULL_S, pieces=24)
    image = Image.new("RGB", (width, height), _WAVE_BG)
    draw = ImageDraw.Draw(image)
    mid = (height - 1) / 2
    draw.line([(0, mid), (width - 1, mid)], fill=_WAVE_MID)
    if samples.size:
        lows, highs = _envelope(samples, width)
        peak = max(float(np.max(np.abs(samples))), 0.05)  # quiet sound fills, silence stays flat
        for x, (lo, hi) in enumerate(zip(lows, highs, strict=True)):
            top, bottom = mid - hi / peak * mid * 0.95, mid - lo / peak * mid * 0.95
            draw.line([(x, top), (x, bottom)], fill=_WAVE_FG)
    return image


def _envelope(samples: np.ndarray, columns: int) -> tuple[np.ndarray, np.ndarray]:
    edges = np.linspace(0, samples.size, columns + 1).astype(int)
    lows, highs = np.zeros(columns, np.float32), np.zeros(columns, np.float32)
    for x in range(columns):
        piece = samples[edges[x] : max(edges[x + 1], edges[x] + 1)]
        lows[x], highs[x] = float(piece.min()), float(piece.max())
    return lows, highs


# -- the decoder ------------------------------------------------------------------------------


def excerpt_cost(seconds: float) -> int:
    """Look-ahead cost of an excerpt of ``seconds``, in photo tensors (30 s at 48 kHz: 10)."""
    return max(1, math.ceil(min(seconds, EXCERPT_SECONDS) * SOUND_RATE * 4 / PHOTO_TENSOR_BYTES))


class AudioDecoder:
    """Audio files: one ``audio_segment`` holding the excerpt an audio encoder embeds."""

    file_kind: FileKind = "audio"

    def estimate_segments(self, path: str, size: int) -> int:
        try:
            info = probe_audio(path)
        except (MediaError, OSError):
            return 1  # open() will report why
        return excerpt_cost(info.duration if info and info.duration else EXCERPT_SECONDS)

    def open(self, path: str) -> MediaStream:
        from mmdesk.core.media.decoders import MediaStream, Segment

        with open_container(path) as container:
            stream = _audio_stream(container)
            if stream is None:
                raise MediaError(f"{path}: no audio stream")
            meta = self._meta(container, stream)
        excerpt = sound_excerpt(path)
        segment = Segment("audio_segment", None, None, audio=excerpt, sample_rate=SOUND_RATE)
        return MediaStream(meta, iter([segment]))

    def _meta(self, container: InputContainer, stream: AudioStream) -> dict[str, Any]:
        ctx = stream.codec_context
        meta: dict[str, Any] = {
            "duration": stream_duration(container, stream),
            "sample_rate": int(ctx.sample_rate or 0),
            "channels": int(ctx.channels or 0),
            "audio_codec": ctx.name,
        }
        tags = media_tags(container, stream)
        meta.update({k: tags[k] for k in ("title", "artist", "album") if k in tags})
        taken = iso_date(tags)
        if taken:
            meta["taken_at"] = taken
        return meta
