"""One hit, as the CLI prints it and the GUI shows it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Result:
    """An item with its score (NaN when browsing), the facts of its file, and why it matched:
    the signals that found it ("visual", "caption", "text in image", "spoken", "sound",
    "note").

    ``kind`` is the item's kind (image, video_frame, audio_segment) and ``start``/``end`` its
    seconds in the file (None for a photo or a whole sound track); ``file["kind"]`` is the
    file's kind (image, video, audio) and ``file["meta"]`` its media facts (duration, codecs).
    ``moments`` holds the file's other matching moments when results are grouped (best
    first); ``snippet`` the words said in a transcript segment."""

    item_id: int
    path: str
    score: float
    kind: str
    start: float | None
    end: float | None
    file: dict[str, Any]
    matched: list[str] = field(default_factory=list)
    moments: tuple[Result, ...] = ()
    snippet: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any], score: float = math.nan) -> Result:
        facts = dict(row)
        facts["kind"] = row.get("file_kind") or _file_kind_of(row["kind"])
        facts["meta"] = row.get("file_meta") or {}
        return cls(
            int(row["item_id"]),
            row["path"],
            float(score),
            row["kind"],
            row["start"],
            row["end"],
            facts,
        )

    def because(self, matched: list[str]) -> Result:
        """This result, saying why it matched."""
        return replace(self, matched=list(matched))

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "score": None if math.isnan(self.score) else round(float(self.score), 6),
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "item_id": self.item_id,
            "width": self.file.get("width"),
            "height": self.file.get("height"),
            "taken_at": self.file.get("taken_at"),
            "matched": list(self.matched),
            **self._media_json(),
        }

    def _media_json(self) -> dict[str, Any]:
        """The keys only a video or a sound has: file kind, duration, snippet, moments."""
        if self.file.get("kind", "image") == "image" and self.kind == "image":
            return {}
        out: dict[str, Any] = {"file_kind": self.file.get("kind")}
        duration = (self.file.get("meta") or {}).get("duration")
        if duration is not None:
            out["duration"] = duration
        if self.snippet:
            out["snippet"] = self.snippet
        if self.moments:
            out["moments"] = [
                {
                    "item_id": m.item_id,
                    "kind": m.kind,
                    "start": m.start,
                    "end": m.end,
                    "score": None if math.isnan(m.score) else round(float(m.score), 6),
                    **({"snippet": m.snippet} if m.snippet else {}),
                }
                for m in self.moments
            ]
        return out

    @property
    def timed(self) -> bool:
        """Whether the result is a moment of a video or a stretch of a sound."""
        return self.start is not None

    @property
    def dated(self) -> str:
        """When the picture was taken, else the file's modification time (ISO 8601), so
        files without EXIF sort among the others instead of after all of them."""
        taken = self.file.get("taken_at")
        if taken:
            return str(taken)
        mtime = self.file.get("mtime_ns") or 0
        return datetime.fromtimestamp(mtime / 1e9).strftime("%Y-%m-%dT%H:%M:%S")  # local, as EXIF


def timestamp(seconds: float) -> str:
    """A precise time in a file, to paste into notes or a player: ``00:01:23.4``."""
    tenths = max(0, round(seconds * 10))
    hours, rest = divmod(tenths, 36000)
    minutes, rest = divmod(rest, 600)
    return f"{hours:02d}:{minutes:02d}:{rest // 10:02d}.{rest % 10}"


def _file_kind_of(item_kind: str) -> str:
    return {"image": "image", "video_frame": "video"}.get(item_kind, "audio")


def group_moments(results: list[Result]) -> list[Result]:
    """Each video and sound file once, at its best moment (the first in ``results``' order),
    with its other moments in ``moments`` in the same order; photos stay as they are."""
    grouped: list[Result] = []
    first: dict[str, int] = {}
    extra: dict[int, list[Result]] = {}
    for result in results:
        if result.kind == "image":
            grouped.append(result)
            continue
        at = first.get(result.path)
        if at is None:
            first[result.path] = len(grouped)
            grouped.append(result)
        else:
            extra.setdefault(at, []).append(result)
    for at, more in extra.items():
        grouped[at] = replace(grouped[at], moments=(*grouped[at].moments, *more))
    return grouped
