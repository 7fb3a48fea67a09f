"""One hit, as the CLI prints it and the GUI shows it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Result:
    """An item with its score (NaN when browsing), the facts of its file, and why it matched:
    the signals that found it ("visual", "caption", "text in image", "spoken", "note")."""

    item_id: int
    path: str
    score: float
    kind: str
    start: float | None
    end: float | None
    file: dict[str, Any]
    matched: list[str] = field(default_factory=list)

    @classmethod
    def from_row(cls, row: dict[str, Any], score: float = math.nan) -> Result:
        return cls(
            int(row["item_id"]),
            row["path"],
            float(score),
            row["kind"],
            row["start"],
            row["end"],
            dict(row),
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
        }

    @property
    def dated(self) -> str:
        """When the picture was taken, else the file's modification time (ISO 8601), so
        files without EXIF sort among the others instead of after all of them."""
        taken = self.file.get("taken_at")
        if taken:
            return str(taken)
        mtime = self.file.get("mtime_ns") or 0
        return datetime.fromtimestamp(mtime / 1e9).strftime("%Y-%m-%dT%H:%M:%S")  # local, as EXIF
