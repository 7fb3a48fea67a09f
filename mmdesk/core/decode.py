"""Turning one file into encoder-ready segments, in a worker thread.

A file yields one or more segments (a photo: one; a video later: frames with timestamps). Each
segment carries the preprocessed tensor of every encoder that needs it. Failures come back as a
reason, never as an exception, so one bad file never takes its batch down.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mmdesk.core.media import content_hash, decode_image
from mmdesk.core.scan import Candidate
from mmdesk.errors import MmdeskError


@dataclass
class Segment:
    """One searchable item of a file: its kind, time range and per-encoder input tensors."""

    kind: str
    start: float | None = None
    end: float | None = None
    tensors: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class Decoded:
    """The result of reading one file."""

    candidate: Candidate
    hash: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    segments: list[Segment] = field(default_factory=list)
    error: str | None = None
    encoders: list[str] = field(default_factory=list)


def decode_file(candidate: Candidate, image_encoders: list[Any]) -> Decoded:
    """Read, hash and decode one file; preprocess it for each encoder."""
    out = Decoded(candidate, encoders=[e.spec.id for e in image_encoders])
    try:
        with open(candidate.path, "rb") as handle:
            data = handle.read()
        out.hash = content_hash(data)
        stat = os.stat(candidate.path)
        out.candidate = Candidate(candidate.path, stat.st_size, stat.st_mtime_ns, candidate.kind)
        if candidate.kind != "image":
            raise MmdeskError(f"{candidate.kind} files are not indexed yet")
        decoded = decode_image(data, name=os.path.basename(candidate.path))
        out.meta = decoded.meta
        segment = Segment("image")
        for encoder in image_encoders:
            segment.tensors[encoder.spec.id] = encoder.preprocess(decoded.image)
        out.segments.append(segment)
    except MmdeskError as exc:
        out.error = str(exc)
    except OSError as exc:
        out.error = f"cannot read file: {exc.strerror or exc}"
    except Exception as exc:  # a hostile file must not stop the run
        out.error = f"unexpected decoding error: {exc!r}"
    return out
