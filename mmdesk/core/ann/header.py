"""The small JSON header that says what an index file holds and which database state it reflects.

The index files are derived data beside the database, never trusted over it: the header names
the encoders, dimension and change-log seq the files reflect, the size and a sampled digest of
each file (a truncated or swapped file is caught without reading a gigabyte), and a checksum of
itself. It is written last, through a temporary file and a rename, so a kill at any moment
leaves either the old consistent state or the new one, never a header for half-written files.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

FORMAT = 1
SAMPLE = 1 << 20  # bytes digested at each end of a file


@dataclass
class Header:
    """What one space's saved index reflects."""

    space: str
    encoders: list[str]
    dim: int
    seq: int  # the embedding_log entry the files reflect
    count: int
    stem: str  # file name stem of the generation (``<space>.g<n>``)
    log_id: str = ""  # the database's embedding_log_id: which library's log ``seq`` is in
    library: str = "usearch"
    files: dict[str, list[int | str]] = field(default_factory=dict)  # name -> [size, digest]
    format: int = FORMAT

    def matches(self, space: str, encoders: list[str], dim: int) -> bool:
        """Whether it is an index of this space as the registry describes it now."""
        return (self.space, sorted(self.encoders), self.dim, self.format) == (
            space,
            sorted(encoders),
            dim,
            FORMAT,
        )


def digest(path: Path) -> list[int | str]:
    """[size, blake2b of the first and last MiB]: cheap at start-up, catches truncation."""
    size = path.stat().st_size
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        h.update(f.read(SAMPLE))
        f.seek(max(0, size - SAMPLE))
        h.update(f.read(SAMPLE))
    return [size, h.hexdigest()]


def _checksum(body: dict[str, object]) -> str:
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def write(path: Path, header: Header) -> None:
    """Write atomically (temporary file, fsync, rename)."""
    body = asdict(header)
    body["checksum"] = _checksum(body)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(body, f, sort_keys=True, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def read(path: Path) -> Header | None:
    """The header, or None when missing, unreadable or failing its checksum."""
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        checksum = body.pop("checksum")
        if checksum != _checksum(body):
            return None
        return Header(**body)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def files_intact(folder: Path, header: Header) -> bool:
    """Whether every file the header names is there with its recorded size and digest."""
    try:
        return bool(header.files) and all(
            digest(folder / name) == list(expected) for name, expected in header.files.items()
        )
    except OSError:
        return False
