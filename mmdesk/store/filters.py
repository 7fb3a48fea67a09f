"""Filters on items by file kind, folder and tags: one SQL definition for search and browse."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mmdesk.kinds import check_file_kinds
from mmdesk.store import paths
from mmdesk.store.base import StoreBase
from mmdesk.store.items import ITEM_COLUMNS, item_dict

# Newest first by when the photo was taken, else when the file was last changed (local time,
# in the ISO form taken_at has), so files without EXIF sort among the others by their date.
WHEN = (
    "COALESCE(f.taken_at, strftime('%Y-%m-%dT%H:%M:%S', f.mtime_ns / 1000000000, "
    "'unixepoch', 'localtime'))"
)


@dataclass(frozen=True)
class ItemFilter:
    """Which present items to keep. Empty lists do not filter.

    Attributes:
        kinds: file kinds (kinds.FILE_KINDS) matched on ``files.kind``.
        under: canonical folder paths; an item passes if its file is under any of them.
        tags: tag names; an item passes if it carries all of them as user labels.
        after, before: dates (ISO, local time as EXIF has it) bounding when the photo was
            taken, else when its file was last changed: ``after <= date < before``.
        predicted: a tag also matches a classifier's prediction of it (stored only at or above
            the tag's threshold) unless the person said the item is not that tag.
    """

    kinds: list[str] = field(default_factory=list)
    under: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    predicted: bool = False
    after: str | None = None  # ISO date or date-time: taken (else modified) at or after it
    before: str | None = None  # ... strictly before it

    def __post_init__(self) -> None:
        check_file_kinds(self.kinds)


def filter_sql(f: ItemFilter) -> tuple[str, list[Any]]:
    """A WHERE clause on ``items i JOIN files f``: present items passing ``f``."""
    clauses, params = ["f.status = 'indexed'"], []
    if f.kinds:
        clauses.append(f"f.kind IN ({','.join('?' * len(f.kinds))})")
        params += list(f.kinds)
    if f.under:
        parts = [paths.under_sql("f.path", folder) for folder in f.under]
        clauses.append("(" + " OR ".join(sql for sql, _ in parts) + ")")
        params += [p for _, ps in parts for p in ps]
    for bound, op in ((f.after, ">="), (f.before, "<")):
        if bound:
            clauses.append(f"{WHEN} {op} ?")
            params.append(bound)
    for tag in f.tags:
        clauses.append(_PREDICTED_TAG if f.predicted else _USER_TAG)
        params.append(tag.strip())
    return " AND ".join(clauses), params


_USER_TAG = (
    "i.id IN (SELECT l.item_id FROM labels l JOIN tags t ON t.id=l.tag_id "
    "WHERE t.name = ? AND l.source = 'user')"
)
_PREDICTED_TAG = (
    "i.id IN (SELECT l.item_id FROM labels l JOIN tags t ON t.id=l.tag_id WHERE t.name = ? "
    "AND (l.source = 'user' OR (l.source LIKE 'classifier:%' AND NOT EXISTS (SELECT 1 FROM "
    "labels n WHERE n.item_id=l.item_id AND n.tag_id=l.tag_id AND n.source = 'not'))))"
)


class FiltersMixin(StoreBase):
    """Filtered id sets for search and the browse view."""

    def filtered_item_ids(self, f: ItemFilter) -> np.ndarray:
        """Int64 ids of present items passing the filter (search keeps only these)."""
        where, params = filter_sql(f)
        rows = self._sql(
            f"SELECT i.id FROM items i JOIN files f ON f.id=i.file_id WHERE {where}", params
        ).fetchall()
        return np.fromiter((r[0] for r in rows), np.int64, len(rows))

    def browse(self, f: ItemFilter, limit: int, offset: int = 0) -> list[dict[str, Any]]:
        """Present items passing the filter, newest first (the view with no query)."""
        where, params = filter_sql(f)
        rows = self.query(
            f"SELECT {ITEM_COLUMNS} FROM items i JOIN files f ON f.id=i.file_id WHERE {where} "
            f"ORDER BY {WHEN} DESC, f.path, i.start LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [item_dict(r) for r in rows]
