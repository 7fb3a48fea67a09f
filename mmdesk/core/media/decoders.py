"""One decoder per media type: a path becomes a stream of segments with times.

A photo is one segment; a video is a run of frames (``video_frame``, with start/end seconds,
see video.py) and an excerpt of its sound; an audio file is one sound excerpt
(``audio_segment``, audio.py). Indexing asks a decoder what a file will roughly cost before
decoding it (in photo tensors: a frame is one, a 30-s sound excerpt ten), so its look-ahead
is bounded by what is in memory, not by files. A new media type is a new module here with a
class that satisfies :class:`Decoder`, added to ``DECODERS``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from PIL import Image

from mmdesk.core.media.audio import AudioDecoder
from mmdesk.core.media.hashing import read_regular
from mmdesk.core.media.image import decode_image
from mmdesk.core.media.video import VideoDecoder
from mmdesk.errors import MediaError
from mmdesk.kinds import FileKind, ItemKind


@dataclass
class Segment:
    """One searchable piece of a file, decoded: a picture (photo or frame) or a sound window."""

    kind: ItemKind
    start: float | None = None
    end: float | None = None
    image: Image.Image | None = None
    audio: np.ndarray | None = None  # mono float32 samples, for audio segments
    sample_rate: int | None = None


@dataclass
class MediaStream:
    """An opened file: its facts (size in pixels, date, camera, duration) and its segments."""

    meta: dict[str, Any] = field(default_factory=dict)
    segments: Iterator[Segment] = field(default_factory=lambda: iter(()))


class Decoder(Protocol):
    """Turns a path of one file kind into a stream of segments."""

    file_kind: FileKind

    def estimate_segments(self, path: str, size: int) -> int:
        """About how many segments the file will give (cheap: no decoding)."""
        ...

    def open(self, path: str) -> MediaStream:
        """Read the file; raises MediaError (content) or OSError (environment)."""
        ...


class ImageDecoder:
    """Photos and pictures: one ``image`` segment, upright RGB, with EXIF facts."""

    file_kind: FileKind = "image"

    def estimate_segments(self, path: str, size: int) -> int:
        return 1

    def open(self, path: str) -> MediaStream:
        decoded = decode_image(read_regular(Path(path)), name=os.path.basename(path))
        return MediaStream(decoded.meta, iter([Segment("image", image=decoded.image)]))


DECODERS: dict[FileKind, Decoder] = {
    "image": ImageDecoder(),
    "video": VideoDecoder(),
    "audio": AudioDecoder(),
}


def decoder_for(kind: str) -> Decoder:
    """The decoder of a file kind; MediaError when that kind is not indexed yet."""
    decoder = DECODERS.get(kind)  # type: ignore[call-overload]
    if decoder is None:
        raise MediaError(f"{kind} files are not indexed yet")
    return decoder
