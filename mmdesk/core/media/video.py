"""Video decoding: the frames that stand for a video's shots, then an excerpt of its sound.

Searching a video means searching a handful of its pictures, so which frames are kept
matters more than decoding speed: one where the picture changes (a cut, or a slow pan that
has drifted far enough), one per ``max_gap_s`` of unchanging picture, none that repeat the
frame kept before, and no more than a cap that grows with the duration, spread over the whole
file (a 2-hour film gives 240 items, not 7,200). The change measure runs on 64x36 thumbnails
of a few frames per second; only kept frames are converted at full size, immediately shrunk
to at most 640 pixels, so memory holds a few decoded frames plus the kept thumbnails. Long
videos decode keyframes only (as Immich does) and every file has a wall-time budget.
Times are seconds from the start of the file as a player shows it (pts x time_base, never
frame index / fps), so variable frame rates are handled.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from mmdesk.core.media.audio import (
    SOUND_RATE,
    PacketReader,
    excerpt_cost,
    iso_date,
    media_tags,
    open_container,
    seek,
    sound_excerpt,
    start_offset,
    stream_duration,
)
from mmdesk.core.media.image import MAX_PIXELS
from mmdesk.errors import MediaError
from mmdesk.kinds import FileKind

if TYPE_CHECKING:  # (decoders.py imports this module to register it: no cycle at run time)
    from av.container import InputContainer
    from av.video.frame import VideoFrame
    from av.video.stream import VideoStream

    from mmdesk.core.media.decoders import MediaStream, Segment

log = logging.getLogger(__name__)

MAX_SIDE = 640  # kept frames are shrunk to this longer side as soon as they are decoded
_MEASURE_SIZE = (64, 36)
_FRAME_AT_BUDGET_S = 15.0


@dataclass(frozen=True)
class Sampling:
    """How frames are chosen. Defaults suit home videos and films alike.

    Attributes:
        max_gap_s: at most this long without a kept frame while the picture does not change.
        min_gap_s: at least this long between two kept frames (a burst of cuts gives one).
        sensitivity: 0..1; higher keeps frames on smaller changes (0.5: cuts and big pans).
        max_frames: the hard cap per video; the cap of a video is
            ``min_frames + frames_per_minute * minutes``, never more than this.
        min_frames: the cap of a very short video.
        frames_per_minute: how fast the cap grows with the duration.
        budget_s: wall time for decoding one file; past it decoding stops (meta "truncated").
        analysis_fps: frames per second of video the change measure looks at.
        keyframes_after_s: videos longer than this decode keyframes only.
    """

    max_gap_s: float = 10.0
    min_gap_s: float = 0.5
    sensitivity: float = 0.5
    max_frames: int = 240
    min_frames: int = 12
    frames_per_minute: float = 6.0
    budget_s: float = 120.0
    analysis_fps: float = 5.0
    keyframes_after_s: float = 1200.0

    def frame_limit(self, duration: float) -> int:
        """The cap of frames kept for a video of ``duration`` seconds (0: unknown)."""
        if duration <= 0:
            return self.max_frames
        grown = self.min_frames + math.ceil(self.frames_per_minute * duration / 60)
        return max(1, min(self.max_frames, grown))

    @property
    def change_level(self) -> float:
        """The change score (0..1) that counts as a new picture: 0.25 down to 0.05."""
        return 0.05 + 0.20 * (1.0 - min(1.0, max(0.0, self.sensitivity)))


def change_score(a: np.ndarray, b: np.ndarray) -> float:
    """How different two small RGB pictures are, 0..1: the mean absolute difference at the
    measure's size and at a quarter of it, where motion and noise have averaged out."""
    fine = np.abs(a.astype(np.int16) - b.astype(np.int16))
    coarse = np.abs(_pool(a) - _pool(b))
    return float(0.5 * fine.mean() + 0.5 * coarse.mean()) / 255.0


def _pool(picture: np.ndarray) -> np.ndarray:
    h, w = picture.shape[0] // 4 * 4, picture.shape[1] // 4 * 4
    cells = picture[:h, :w].reshape(h // 4, 4, w // 4, 4, -1).astype(np.float32)
    return cells.mean(axis=(1, 3))


@dataclass
class ShotPicker:
    """Decides, frame by frame, which to keep (pure logic: no decoding, testable alone).

    A frame is kept when it is the first; when it differs from the frame kept before by more
    than the change level, at least ``min_gap_s`` after it (so a cut is caught within the
    gap); or when ``max_gap_s`` has passed. Near-duplicates of the last kept frame are never
    kept for change. A token bucket spreads the cap over the duration, so the end of a long
    video is not starved by a busy beginning.
    """

    sampling: Sampling
    duration: float
    kept: int = 0
    last_time: float = -math.inf
    last_picture: np.ndarray | None = None
    tokens: float = 0.0
    rate: float = math.inf  # tokens per second of video
    token_time: float = 0.0
    limit: int = field(init=False, default=0)
    burst: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        limit = self.sampling.frame_limit(self.duration)
        burst = max(3.0, limit / 4)
        self.limit = limit
        self.tokens = min(burst, float(limit))
        self.burst = self.tokens
        if self.duration > 0 and limit > burst:
            self.rate = (limit - burst) / self.duration

    def offer(self, when: float, picture: np.ndarray) -> bool:
        """Whether the frame at ``when`` (seconds) with this small picture is kept."""
        if self.kept >= self.limit:
            return False
        self._refill(when)
        if self.last_picture is None:
            return self._keep(when, picture)
        since = when - self.last_time
        if since < self.sampling.min_gap_s or self.tokens < 1.0:
            return False
        if since >= self.sampling.max_gap_s:
            return self._keep(when, picture)
        if change_score(self.last_picture, picture) > self.sampling.change_level:
            return self._keep(when, picture)
        return False

    def _refill(self, when: float) -> None:
        if when > self.token_time:
            earned = (when - self.token_time) * self.rate if math.isfinite(self.rate) else 1e9
            self.tokens = min(self.burst, self.tokens + earned)
            self.token_time = when

    def _keep(self, when: float, picture: np.ndarray) -> bool:
        self.kept += 1
        self.tokens -= 1.0
        self.last_time, self.last_picture = when, picture
        return True


@dataclass
class SampleStats:
    """Where the wall time of one file went (seconds), for benchmarks."""

    decode_s: float = 0.0
    measure_s: float = 0.0
    picture_s: float = 0.0
    frames_decoded: int = 0
    frames_measured: int = 0
    last_time: float = 0.0


def upright_picture(frame: VideoFrame, max_side: int = MAX_SIDE, sar: float = 1.0) -> Image.Image:
    """The frame as an upright RGB picture whose longer side is at most ``max_side``:
    shrunk by swscale straight from the decoded planes, then turned by its display matrix.
    Non-square pixels (DVD, HDV) are shown at their display aspect ratio."""
    width, height = frame.width, frame.height
    display_w = width * sar
    scale = min(1.0, max_side / max(display_w, height))
    size = (max(2, round(display_w * scale)), max(2, round(height * scale)))
    image = frame.to_image(width=size[0], height=size[1], interpolation="AREA")
    turns = round(_rotation(frame) / 90) % 4
    if turns:
        image = image.transpose(
            (Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_180, Image.Transpose.ROTATE_270)[
                turns - 1
            ]
        )
    return image


def _rotation(frame: VideoFrame) -> int:
    try:
        return int(frame.rotation or 0)
    except (AttributeError, ValueError, TypeError):
        return 0


def sample_aspect(stream: VideoStream) -> float:
    """The width of a pixel over its height (1.0 when unknown or absurd)."""
    sar = stream.codec_context.sample_aspect_ratio or stream.sample_aspect_ratio
    if sar is None or not sar.numerator or not sar.denominator:
        return 1.0
    value = float(sar)
    return value if 0.25 <= value <= 4.0 else 1.0


def _small(frame: VideoFrame) -> np.ndarray:
    resized = frame.reformat(width=_MEASURE_SIZE[0], height=_MEASURE_SIZE[1], format="rgb24")
    return np.asarray(resized.to_ndarray(), dtype=np.uint8)


def main_video_stream(container: InputContainer) -> VideoStream | None:
    """The main picture stream: the first that is not a cover picture."""
    for stream in container.streams.video:
        if not stream.disposition & 0x0400:  # AV_DISPOSITION_ATTACHED_PIC
            return stream
    return None


class FrameSampler:
    """Decodes one video stream and yields the kept frames as (seconds, upright picture)."""

    def __init__(
        self, container: InputContainer, stream: VideoStream, sampling: Sampling, name: str
    ) -> None:
        self.container, self.stream, self.sampling, self.name = container, stream, sampling, name
        self.duration = stream_duration(container, stream)
        self.offset = start_offset(container)
        self.keyframes_only = self.duration > sampling.keyframes_after_s
        ctx = stream.codec_context
        ctx.thread_type = "AUTO"
        if self.keyframes_only:
            ctx.skip_frame = "NONKEY"
        deadline = time.monotonic() + sampling.budget_s
        self.reader = PacketReader(container, stream, deadline)
        self.picker = ShotPicker(sampling, self.duration)
        self.stats = SampleStats()
        self.rotation = 0
        self.sar = sample_aspect(stream)
        rate = stream.average_rate or stream.guessed_rate
        self.fps = float(rate) if rate and 1 <= float(rate) <= 1000 else 25.0
        self._untimed: float | None = None
        self._frames = self.reader.frames()
        self._first: VideoFrame | None = None

    def first(self) -> VideoFrame:
        """Decode up to the first frame (so a file with no pictures fails at open)."""
        for frame in self._frames:
            self._first = frame
            self.rotation = _rotation(frame)
            return frame
        reason = self.reader.last_error or "no frame in the stream"
        raise MediaError(f"{self.name}: no picture could be decoded ({reason})")

    def kept(self) -> Iterator[tuple[float, Image.Image]]:
        """The kept frames in time order."""
        last_measured = -math.inf
        step = 0.0 if self.keyframes_only else 1.0 / self.sampling.analysis_fps
        frames = self._frames if self._first is None else _chain(self._first, self._frames)
        self._first = None
        for frame in frames:
            when = self._time(frame)
            self.stats.frames_decoded += 1
            if when < last_measured + step - 1e-6:
                continue
            last_measured = when
            self.stats.last_time = max(self.stats.last_time, when)
            if self._offer(frame, when):
                began = time.perf_counter()
                picture = upright_picture(frame, sar=self.sar)
                self.stats.picture_s += time.perf_counter() - began
                yield when, picture
            if self.picker.kept >= self.picker.limit:
                break
        self.stats.decode_s = self.reader.decode_s

    def _time(self, frame: VideoFrame) -> float:
        """Seconds from the start; a frame without a timestamp (raw streams) follows the
        one before by a frame's duration."""
        if frame.time is None:
            self._untimed = self._untimed + 1.0 / self.fps if self._untimed is not None else 0.0
            return max(self._untimed, self.stats.last_time)
        return max(0.0, frame.time - self.offset)

    def _offer(self, frame: VideoFrame, when: float) -> bool:
        began = time.perf_counter()
        small = _small(frame)
        keep = self.picker.offer(when, small)
        self.stats.measure_s += time.perf_counter() - began
        self.stats.frames_measured += 1
        return keep

    def truncation(self) -> str | None:
        """Why decoding ended before the end of the video, in words; None when it did not."""
        reached = self.stats.last_time
        if self.reader.stopped == "budget":
            return (
                f"time budget of {self.sampling.budget_s:g} s reached after {reached:.1f} s"
                f" of {self.duration:.1f} s"
            )
        if self.picker.kept >= self.picker.limit:
            return None
        slack = max(2.0, 0.05 * self.duration, 2.0 * self.sampling.max_gap_s * self.keyframes_only)
        if self.duration and reached + slack < self.duration:
            return f"truncated after {reached:.1f} s of {self.duration:.1f} s"
        return None


def _chain(first: VideoFrame, rest: Iterator[VideoFrame]) -> Iterator[VideoFrame]:
    yield first
    yield from rest


class VideoDecoder:
    """Videos: ``video_frame`` segments for the kept frames, then one ``audio_segment``."""

    file_kind: FileKind = "video"

    def __init__(self, sampling: Sampling | None = None) -> None:
        self.sampling = sampling or Sampling()

    def estimate_segments(self, path: str, size: int) -> int:
        """About the frames kept (two per ``max_gap_s``, within the cap) plus the sound's cost,
        from the container header."""
        try:
            with open_container(path) as container:
                video, audio = main_video_stream(container), container.streams.audio
                duration = float(container.duration or 0) / 1_000_000
        except (MediaError, OSError):
            return 1  # open() will report why
        cost = excerpt_cost(duration or 30.0) if audio else 0
        if video is not None:
            expected = 1 + math.ceil(2 * duration / self.sampling.max_gap_s)
            cost += min(self.sampling.frame_limit(duration), expected)
        return max(1, cost)

    def open(self, path: str) -> MediaStream:
        from mmdesk.core.media.decoders import MediaStream

        container = open_container(path)
        try:
            video = main_video_stream(container)
            audio = container.streams.audio[0] if container.streams.audio else None
            if video is None and audio is None:
                raise MediaError(f"{path}: no video or audio stream")
            meta = _meta(container, video, audio)
            sampler = None
            if video is not None:
                sampler = FrameSampler(container, video, self.sampling, path)
                _upright_meta(meta, sampler.first())
        except BaseException:
            container.close()
            raise
        return MediaStream(meta, _segments(path, container, sampler, meta))


def _segments(
    path: str, container: InputContainer, sampler: FrameSampler | None, meta: dict[str, Any]
) -> Iterator[Segment]:
    """Kept frames, each ending where the next begins, then the sound (when there is one)."""
    try:
        if sampler is not None:
            yield from _frame_segments(sampler, meta)
    finally:
        container.close()
    if meta["has_audio"]:
        segment = _sound_segment(path)
        if segment is not None:
            yield segment


def _frame_segments(sampler: FrameSampler, meta: dict[str, Any]) -> Iterator[Segment]:
    from mmdesk.core.media.decoders import Segment

    held: tuple[float, Image.Image] | None = None
    for when, picture in sampler.kept():
        if held is not None:
            yield Segment("video_frame", held[0], when, image=held[1])
        held = (when, picture)
        meta["frames_kept"] += 1
    truncated = sampler.truncation()
    if truncated:
        meta["truncated"] = truncated
        log.info("%s: %s", sampler.name, truncated)
    if sampler.reader.errors:
        meta["decode_errors"] = sampler.reader.errors
    if held is not None:
        reached = sampler.stats.last_time
        end = sampler.duration if not truncated and sampler.duration > held[0] else reached
        yield Segment("video_frame", held[0], max(end, held[0]), image=held[1])


def _sound_segment(path: str) -> Segment | None:
    from mmdesk.core.media.decoders import Segment

    try:
        excerpt = sound_excerpt(path)
    except MediaError as exc:
        log.info("%s: no sound segment: %s", path, exc)
        return None
    if not excerpt.size:
        return None
    return Segment("audio_segment", None, None, audio=excerpt, sample_rate=SOUND_RATE)


def _meta(container: InputContainer, video: Any, audio: Any) -> dict[str, Any]:
    tags = media_tags(container, *(s for s in (video, audio) if s is not None))
    meta: dict[str, Any] = {
        "duration": stream_duration(container, video if video is not None else audio),
        "width": None,
        "height": None,
        "fps": None,
        "video_codec": None,
        "audio_codec": audio.codec_context.name if audio is not None else None,
        "has_audio": audio is not None,
        "rotation": 0,
        "taken_at": iso_date(tags),
        "frames_kept": 0,
    }
    if video is not None:
        ctx = video.codec_context
        if (ctx.width or 0) * (ctx.height or 0) > MAX_PIXELS:
            raise MediaError(f"{container.name}: {ctx.width}x{ctx.height} pixels is too big")
        rate = video.average_rate or video.guessed_rate
        meta.update(
            width=ctx.width or None,
            height=ctx.height or None,
            fps=round(float(rate), 3) if rate else None,
            video_codec=ctx.name,
        )
    return meta


def _upright_meta(meta: dict[str, Any], frame: VideoFrame) -> None:
    rotation = _rotation(frame)
    width, height = frame.width, frame.height
    if round(rotation / 90) % 2:
        width, height = height, width
    meta.update(width=width, height=height, rotation=rotation)


def frame_at(path: str, seconds: float, max_side: int = MAX_SIDE) -> Image.Image:
    """The upright frame shown at ``seconds``: seek to the keyframe before it and decode
    forward (within a time budget) to the last frame that starts at or before it."""
    with open_container(path) as container:
        stream = main_video_stream(container)
        if stream is None:
            raise MediaError(f"{path}: no video stream")
        stream.codec_context.thread_type = "AUTO"
        offset = start_offset(container)
        if seconds > 0:
            seek(container, seconds)
        reader = PacketReader(container, stream, time.monotonic() + _FRAME_AT_BUDGET_S)
        shown: VideoFrame | None = None
        for frame in reader.frames():
            when = None if frame.time is None else frame.time - offset
            if shown is not None and when is not None and when > seconds + 1e-3:
                break
            shown = frame
        if shown is None:
            reason = reader.last_error or "no frame there"
            raise MediaError(f"{path}: no picture could be decoded at {seconds:.1f} s ({reason})")
        return upright_picture(shown, max_side, sample_aspect(stream))
