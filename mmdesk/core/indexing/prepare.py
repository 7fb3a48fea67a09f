"""The work done in decode threads: hash a file, then decode and preprocess it.

Failures come back as a reason, never as an exception, so one bad file never takes its batch
down; the reason says whether the environment (permission, I/O, vanished: retried on the next
run) or the file itself (corrupt, unsupported: retried when it changes) is to blame.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, cast

import numpy as np

from mmdesk.core.indexing.plan import Work
from mmdesk.core.indexing.scan import Candidate
from mmdesk.core.media import Decoder, Segment, decoder_for, hash_file
from mmdesk.core.thumbnails import GRID_EDGE, save_thumbnail, thumb_path
from mmdesk.errors import MmdeskError
from mmdesk.kinds import MODALITY_OF_ITEM
from mmdesk.plugins.protocols import AudioEncoder, ImageEncoder

log = logging.getLogger(__name__)


class EncoderSpecLike(Protocol):
    id: str
    space: str
    modality: str
    dim: int
    plugin_id: str
    plugin_version: str


class IndexEncoder(Protocol):
    """What indexing needs of an encoder (built-in or plugin code): an image encoder has
    ``preprocess(image)``, an audio encoder ``preprocess_audio(samples, rate)`` (the inputs of
    a sound's windows); both ``encode`` a batch."""

    @property
    def spec(self) -> Any: ...

    def encode(self, batch: np.ndarray) -> np.ndarray: ...


@dataclass
class ReadySegment:
    """A decoded segment with the input tensor of each encoder that needs it."""

    kind: str
    start: float | None = None
    end: float | None = None
    tensors: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class Prepared:
    """What a decode thread made of one file."""

    work: Work
    hash: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    segments: list[ReadySegment] = field(default_factory=list)
    error: str | None = None
    error_kind: str | None = None  # environment | content
    hashed_only: bool = False

    @property
    def candidate(self) -> Candidate:
        return self.work.candidate


def hash_only(work: Work) -> Prepared:
    """Stage one for a path the store does not know: its hash may reveal a moved file, which
    then needs no decoding at all."""
    out = Prepared(work, hashed_only=True)
    _guard(out, lambda: _hash(out))
    return out


def decode(
    work: Work,
    encoders: list[IndexEncoder],
    decoder: Decoder | None = None,
    thumbs: Path | None = None,
) -> Prepared:
    """Hash (streamed, first), decode and preprocess one file for ``encoders``; a photo's
    grid thumbnail is saved under ``thumbs`` (if given) from the decoded picture.

    A video that breaks off mid-stream keeps the segments decoded before the break (the
    decoder stops its stream and says why in ``meta["truncated"]``)."""
    out = Prepared(work)

    def run() -> None:
        _hash(out)
        stream = (decoder or decoder_for(work.candidate.kind)).open(work.candidate.path)
        out.meta = stream.meta
        for segment in stream.segments:
            if thumbs is not None and segment.image is not None and out.candidate.kind == "image":
                _thumbnail(out.candidate, segment.image, thumbs)
            out.segments.append(_ready(segment, encoders))

    _guard(out, run)
    return out


def _ready(segment: Segment, encoders: list[IndexEncoder]) -> ReadySegment:
    """A segment's model inputs, one per encoder of its modality (the decoded pixels and
    samples are dropped here, so only the inputs stay in memory)."""
    ready = ReadySegment(segment.kind, segment.start, segment.end)
    modality = MODALITY_OF_ITEM.get(segment.kind)
    for encoder in encoders:
        if encoder.spec.modality != modality:
            continue
        if segment.image is not None:
            picture = cast(ImageEncoder, encoder)
            ready.tensors[encoder.spec.id] = picture.preprocess(segment.image)
        elif segment.audio is not None and segment.sample_rate:
            sound = cast(AudioEncoder, encoder)
            ready.tensors[encoder.spec.id] = sound.preprocess_audio(
                segment.audio, segment.sample_rate
            )
    return ready


def _thumbnail(candidate: Candidate, image: Any, thumbs: Path) -> None:
    """Save the photo's grid thumbnail unless the cache has it; a failure (a full disk, a
    read-only cache) costs the grid a decode later, never the file its indexing."""
    target = thumb_path(thumbs, candidate.path, candidate.mtime_ns, candidate.size, GRID_EDGE)
    if target.exists():
        return
    try:
        save_thumbnail(image, target)
    except (OSError, ValueError) as exc:
        log.debug("no thumbnail made while indexing %s: %s", candidate.path, exc)


def _hash(out: Prepared) -> None:
    digest, info = hash_file(out.work.candidate.path)
    out.hash = digest
    c = out.work.candidate
    out.work = Work(Candidate(c.path, info.st_size, info.st_mtime_ns, c.kind), out.work.encoders)


def _guard(out: Prepared, step: Any) -> None:
    try:
        step()
    except MmdeskError as exc:
        out.error, out.error_kind = str(exc), "content"
    except OSError as exc:
        reason = exc.strerror or str(exc)
        out.error = f"cannot read file: {reason}"
        out.error_kind = "environment"
        if not os.path.lexists(out.work.candidate.path):
            out.error = "the file vanished while being indexed"
    except Exception as exc:  # a hostile file must not stop the run
        out.error, out.error_kind = f"unexpected decoding error: {exc!r}", "content"
