"""Which files an export or an import walks, and the report it fills in.

Sidecars describe files, not items: a photo is one item, a video many (its frames), and a
video's keywords belong to every frame. So both jobs group items by file first.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mmdesk.core.search import Filters

if TYPE_CHECKING:
    from mmdesk.core.library import Library

EVERY = 2**62  # a browse limit that means every item


@dataclass
class SidecarReport:
    """What an export or an import did, file by file counted."""

    files: int = 0  # library files looked at
    written: int = 0  # sidecars created or changed
    unchanged: int = 0  # sidecars that already said the same
    skipped: int = 0  # files with nothing to say and no sidecar yet
    read: int = 0  # XMP packets read: sidecars and embedded
    keywords: int = 0  # keywords (as tags) found in them
    labelled: int = 0  # labels added: one per tag and item
    problems: list[dict[str, str]] = field(default_factory=list)  # {"path", "error"}
    cancelled: bool = False
    seconds: float = 0.0

    def problem(self, path: str, error: object) -> None:
        self.problems.append({"path": path, "error": str(error)})

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "seconds": round(self.seconds, 2)}


def group_by_file(rows: Iterable[tuple[str, int]]) -> dict[str, list[int]]:
    """Item ids per file path, files by path and items in the order given."""
    files: dict[str, list[int]] = {}
    for path, item in sorted(rows, key=lambda row: row[0]):
        files.setdefault(path, []).append(item)
    return files


def files_of_items(library: Library, item_ids: list[int] | None) -> dict[str, list[int]]:
    """The files of some items (None: every present item)."""
    if item_ids is None:
        return group_by_file((r.path, r.item_id) for r in library.browse(Filters(limit=EVERY)))
    info = library.items_info(item_ids)
    return group_by_file((info[i]["path"], i) for i in sorted(set(item_ids)) if i in info)


def files_at(
    library: Library, paths: Iterable[str | Path]
) -> tuple[dict[str, list[int]], list[str]]:
    """The library files at or under each path, and the paths that hold none."""
    rows: list[tuple[str, int]] = []
    missing = []
    for path in (os.fspath(p) for p in paths):
        found = [(r.path, r.item_id) for r in library.browse(Filters(under=[path], limit=EVERY))]
        item = None if found else library.item_for_path(path)
        if item is not None:
            found = [(library.items_info([item])[item]["path"], item)]
        if not found:
            missing.append(path)
        rows += found
    return {p: sorted(set(ids)) for p, ids in group_by_file(rows).items()}, missing
