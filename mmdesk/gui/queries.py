"""Read queries the window needs beyond the core's: browsing, sidebar counts, preview details.

Plain functions of a Store, so they run on whichever thread owns that Store.
"""

from __future__ import annotations

import math
from typing import Any

from mmdesk.core.search import Filters, Result, filter_sql
from mmdesk.store import Store

_COLUMNS = (
    'i.id AS item_id, i.kind, i.start, i."end", f.id AS file_id, f.path, f.size, '
    "f.mtime_ns, f.width, f.height, f.taken_at, f.camera, f.status"
)


def browse(store: Store, filters: Filters) -> list[Result]:
    """Everything indexed that passes the filters, newest first (the view with no query)."""
    clauses, params = filter_sql(filters)
    clauses.insert(0, "f.status = 'indexed'")
    rows = store.query(
        f"SELECT {_COLUMNS} FROM items i JOIN files f ON f.id=i.file_id WHERE "
        + " AND ".join(clauses)
        + " ORDER BY COALESCE(f.taken_at, '') DESC, "
        "f.mtime_ns DESC, f.path LIMIT ?",
        [*params, filters.limit],
    )
    return [
        Result(r["item_id"], r["path"], math.nan, r["kind"], r["start"], r["end"], dict(r))
        for r in rows
    ]


def sidebar_content(
    store: Store,
) -> tuple[list[dict[str, Any]], list[tuple[str, int]], dict[str, int]]:
    """Folders with counts and state, tags with counts, and item kinds with counts."""
    return store.folders(), store.tag_counts(), store.items_by_kind()


def tag_counts_for(store: Store, item_ids: list[int]) -> dict[str, int]:
    """How many of ``item_ids`` carry each tag."""
    counts: dict[str, int] = {}
    for item_id in item_ids[:500]:
        for name in store.labels_for(item_id):
            counts[name] = counts.get(name, 0) + 1
    return counts


def tag_names(store: Store) -> list[str]:
    return [name for name, _ in store.tag_counts()]
