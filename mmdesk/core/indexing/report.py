"""What one index run did, as the CLI prints it and the GUI shows it."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mmdesk.core.indexing.prepare import Prepared

log = logging.getLogger(__name__)


@dataclass
class IndexReport:
    """Counts of one run, and the files or folders that could not be read."""

    found: int = 0
    skipped: int = 0
    indexed: int = 0
    moved: int = 0
    errors: int = 0
    missing: int = 0
    cancelled: bool = False
    seconds: float = 0.0
    problems: list[tuple[str, str]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.indexed / self.seconds if self.seconds else 0.0

    def count(self, batch: list[Prepared]) -> None:
        """Add a written batch to the counts."""
        for prepared in batch:
            if prepared.error_kind == "skipped":
                self.skipped += 1
            elif prepared.error:
                self.errors += 1
                log.info("skipped %s: %s", prepared.candidate.path, prepared.error)
            else:
                self.indexed += 1

    def to_json(self) -> dict[str, Any]:
        return {
            "found": self.found,
            "indexed": self.indexed,
            "skipped": self.skipped,
            "moved": self.moved,
            "errors": self.errors,
            "missing": self.missing,
            "cancelled": self.cancelled,
            "seconds": round(self.seconds, 2),
            "rate": round(self.rate, 2),
            "problems": [list(p) for p in self.problems],
        }
