"""Filters on items by file kind, folder and tags: one SQL definition for search and browse."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
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
        camera: camera names (``files.camera``); an item passes if taken with any of them.
        oldest_first: not a filter: :meth:`FiltersMixin.browse` lists oldest first.
    """

    kinds: list[str] = field(default_factory=list)
    under: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    predicted: bool = False
    after: str | None = None  # ISO date or date-time: taken (else modified) at or after it
    before: str | None = None  # ... strictly before it
    camera: list[str] = field(default_factory=list)
    oldest_first: bool = False

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
    if f.camera:
        clauses.append(f"f.camera IN ({','.join('?' * len(f.camera))})")
        params += list(f.camera)
    for bound, op in ((f.after, ">="), (f.before, "<")):
        if bound:
            clauses.append(f"{WHEN} {op} ?")
            params.append(bound)
    for tag in f.tags:
        clauses.append(_PREDICTED_TAG if f.predicted else _USER_TAG)
        params.append(tag.strip())
    return " AND ".join(clauses), params


# A tag filter matches the tag and its descendants (``Places`` takes in ``Places/Paris``): the
# name, or a name in the NOCASE range ``name/`` .. ``name0`` ('0' follows '/'), one parameter.
_TAG_BRANCH = (
    "FROM labels l JOIN tags t ON t.id=l.tag_id JOIN (SELECT ? AS want) w ON (t.name = w.want "
    "OR (t.name > w.want || '/' AND t.name < w.want || '0'))"
)
_USER_TAG = f"i.id IN (SELECT l.item_id {_TAG_BRANCH} WHERE l.source = 'user')"
_PREDICTED_TAG = (
    f"i.id IN (SELECT l.item_id {_TAG_BRANCH} "
    "WHERE (l.source = 'user' OR (l.source LIKE 'classifier:%' AND NOT EXISTS (SELECT 1 FROM "
    "labels n WHERE n.item_id=l.item_id AND n.tag_id=l.tag_id AND n.source = 'not'))))"
)

# The same sets from the labels alone (FiltersMixin.tagged_item_ids): the tag and the tags
# under it (three parameters, one name), then the source: 'user' or 'not' as one parameter, a
# classifier's 'classifier:<id>' as the range up to 'classifier;' (';' follows ':').
_BRANCH_IDS = "SELECT id FROM tags WHERE name = ? OR (name > ? || '/' AND name < ? || '0')"
_LABELLED_AS = (
    f"SELECT group_concat(item_id) FROM labels WHERE tag_id IN ({_BRANCH_IDS}) AND source = ?"
)
_LABELLED_AS_BY_TAG = (
    f"SELECT tag_id, group_concat(item_id) FROM labels WHERE tag_id IN ({_BRANCH_IDS}) "
    "AND source = ? GROUP BY tag_id"
)
_GUESSED = (
    f"SELECT tag_id, group_concat(item_id) FROM labels WHERE tag_id IN ({_BRANCH_IDS}) "
    "AND source >= 'classifier:' AND source < 'classifier;' GROUP BY tag_id"
)
FEW_ABSENT = 1000  # files not indexed, at most, for a tag filter to skip reading each item's file
# Files that are not indexed, by the status index (at most ``?`` of each side), and their items.
_NOT_INDEXED = [
    f"SELECT id FROM files INDEXED BY files_status WHERE status {op} 'indexed' LIMIT ?"
    for op in ("<", ">")
]
_ITEMS_OF_FILES = "SELECT id FROM items WHERE file_id IN (SELECT value FROM json_each(?))"
_PRESENT_AMONG = (
    "SELECT i.id FROM items i JOIN files f ON f.id=i.file_id WHERE f.status = 'indexed' "
    "AND i.id IN (SELECT value FROM json_each(?))"
)
_ANY = ItemFilter()
_NONE = np.zeros(0, np.int64)
_NONE.flags.writeable = False


def _id_array(joined: str | None) -> np.ndarray:
    """Ids from ``group_concat``'s comma-separated text."""
    if not joined:
        return _NONE
    return np.fromstring(joined, dtype=np.int64, sep=",")


def _sorted_unique(ids: np.ndarray) -> np.ndarray:
    """``np.unique`` by sorting: numpy 2's hashing ``np.unique`` takes 50 times as long on a
    million ids (500 ms)."""
    ids = np.sort(ids)
    return ids[np.concatenate(([True], ids[1:] != ids[:-1]))] if len(ids) else ids


class FiltersMixin(StoreBase):
    """Filtered id sets for search and the browse view."""

    def filtered_item_ids(self, f: ItemFilter) -> np.ndarray:
        """Sorted int64 ids of present items passing the filter (search keeps only these),
        read-only. The last few answers are kept until the database changes (a write on this
        connection moves ``total_changes``, a commit by another moves ``data_version``), so
        each keystroke under one filter, tags included, does not run its SQL again. Tags
        alone are answered from the labels and the few files that are not indexed, not by
        reading each labelled item's file (at a million items: 3-12 ms, not 70-600)."""
        where, params = filter_sql(f)
        key = (where, *params, *self._changes())
        kept: dict[tuple[Any, ...], np.ndarray] = self.__dict__.setdefault("_filtered_kept", {})
        found = kept.get(key)
        if found is None:
            if f.tags and replace(f, tags=[], predicted=False, oldest_first=False) == _ANY:
                found = self._present_among(self.tagged_item_ids(f.tags, f.predicted))
            else:
                rows = self._sql(
                    f"SELECT i.id FROM items i JOIN files f ON f.id=i.file_id WHERE {where}",
                    params,
                ).fetchall()
                found = _sorted_unique(np.fromiter((r[0] for r in rows), np.int64, len(rows)))
            found.flags.writeable = False
            if len(kept) >= 8:
                kept.pop(next(iter(kept)))
            kept[key] = found
        return found

    def filtered_among(self, f: ItemFilter, item_ids: list[int]) -> np.ndarray:
        """Sorted ids of the present items among ``item_ids`` passing the filter: a search's
        few hundred candidates checked, without listing every item the filter passes."""
        ids = _sorted_unique(np.asarray(item_ids, np.int64))
        if f.tags:  # the tags' answer, kept (the search that made the candidates asked it too)
            tagged = self.filtered_item_ids(ItemFilter(tags=f.tags, predicted=f.predicted))
            at = np.minimum(np.searchsorted(tagged, ids), max(len(tagged) - 1, 0))
            ids = ids[tagged[at] == ids] if len(tagged) else _NONE
            f = replace(f, tags=[], predicted=False)
        if not len(ids):
            return _NONE
        where, params = filter_sql(f)
        rows = self._sql(  # CROSS JOIN: in this order, from the ids (not by a kind index)
            "SELECT i.id FROM json_each(?) j CROSS JOIN items i ON i.id = j.value "
            f"CROSS JOIN files f ON f.id=i.file_id WHERE {where}",
            [json.dumps(ids.tolist()), *params],
        ).fetchall()
        return _sorted_unique(np.fromiter((r[0] for r in rows), np.int64, len(rows)))

    def _changes(self) -> tuple[int, int]:
        """Moves whenever the database changes (here or in another connection)."""
        return self.conn.total_changes, int(self.scalar("PRAGMA data_version"))

    def tagged_item_ids(self, tags: list[str], predicted: bool = False) -> np.ndarray:
        """Sorted int64 ids of the items carrying every tag (or a tag under it) as the tag
        filter counts it, present or not: read from the labels alone, by the covering index
        (tag_id, source, item_id), each source's ids fetched as one string (a Python row per
        label costs three times as long)."""
        found: np.ndarray | None = None
        for tag in tags:
            name = [tag.strip()] * 3
            ids = _id_array(self._sql(_LABELLED_AS, [*name, "user"]).fetchone()[0])
            if predicted:
                guessed = self._per_tag(_GUESSED, name)
                denied = self._per_tag(_LABELLED_AS_BY_TAG, [*name, "not"])
                kept = [
                    np.setdiff1d(items, denied.get(tag_id, _NONE), assume_unique=True)
                    for tag_id, items in guessed.items()
                ]
                ids = _sorted_unique(np.concatenate([ids, *kept]))
            else:
                ids = _sorted_unique(ids)
            found = ids if found is None else np.intersect1d(found, ids, assume_unique=True)
        return found if found is not None else _NONE

    def _per_tag(self, sql: str, params: list[str]) -> dict[int, np.ndarray]:
        rows = self._sql(sql, params).fetchall()
        return {int(tag_id): _sorted_unique(_id_array(ids)) for tag_id, ids in rows}

    def _present_among(self, ids: np.ndarray) -> np.ndarray:
        """The present items among sorted ``ids``: all but the items of the files that are
        not indexed, which are few (found by ``files_status``); when they are many (a big
        first scan under way), each item's file is read instead."""
        limit = max(FEW_ABSENT, len(ids))
        absent = [r[0] for sql in _NOT_INDEXED for r in self._sql(sql, (limit + 1,)).fetchall()]
        if len(absent) > limit:
            rows = self._sql(_PRESENT_AMONG, (json.dumps(ids.tolist()),)).fetchall()
            return _sorted_unique(np.fromiter((r[0] for r in rows), np.int64, len(rows)))
        if not absent:
            return ids
        rows = self._sql(_ITEMS_OF_FILES, (json.dumps(absent),)).fetchall()
        gone = np.fromiter((r[0] for r in rows), np.int64, len(rows))
        return ids[~np.isin(ids, gone)]

    def browse(self, f: ItemFilter, limit: int, offset: int = 0) -> list[dict[str, Any]]:
        """Present items passing the filter, newest first (``f.oldest_first``: oldest first;
        the view with no query)."""
        where, params = filter_sql(f)
        order = "ASC" if f.oldest_first else "DESC"
        rows = self.query(
            f"SELECT {ITEM_COLUMNS} FROM items i JOIN files f ON f.id=i.file_id WHERE {where} "
            f"ORDER BY {WHEN} {order}, f.path, i.start LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [item_dict(r) for r in rows]

    def cameras(self) -> list[tuple[str, int]]:
        """(camera, present items taken with it), most used first: what the camera filter
        offers, each count what that filter shows."""
        rows = self._sql(
            "SELECT f.camera, COUNT(*) FROM items i JOIN files f ON f.id=i.file_id "
            "WHERE f.status = 'indexed' AND f.camera IS NOT NULL AND f.camera != '' "
            "GROUP BY f.camera ORDER BY COUNT(*) DESC, f.camera"
        ).fetchall()
        return [(str(name), int(count)) for name, count in rows]

    def count(self, f: ItemFilter) -> int:
        """How many present items pass the filter: all that browsing it shows."""
        where, params = filter_sql(f)
        sql = f"SELECT COUNT(*) FROM items i JOIN files f ON f.id=i.file_id WHERE {where}"
        return int(self._sql(sql, params).fetchone()[0])

    def date_histogram(self, f: ItemFilter, period: str = "month") -> list[tuple[str, int]]:
        """(period, items) of the items passing the filter, in :meth:`browse`'s order, by the
        same date: "2024-03" by month, "2024-03-02" by day ("" for an item with no date). The
        browse offset of a period's first item is the sum of the counts before it."""
        width = {"month": 7, "day": 10}[period]
        where, params = filter_sql(f)
        order = "ASC" if f.oldest_first else "DESC"
        rows = self._sql(
            f"SELECT substr({WHEN}, 1, {width}) AS period, COUNT(*) FROM items i "
            f"JOIN files f ON f.id=i.file_id WHERE {where} GROUP BY period ORDER BY period {order}",
            params,
        ).fetchall()
        return [(str(period or ""), int(count)) for period, count in rows]
