"""The kind and date of every present item as numpy arrays, so that a search's kind and date
filters are masks, not SQL over every file (a date filter cannot use an index: an item without
EXIF is dated by its file's mtime in local time).

Read whole once, in the background, on a connection of its own (about two seconds at a million
items; the SQL answers meanwhile), then kept in step from the vectors' change log like the
search index: a vector written or deleted, a file's status, and (schema V6) a file's path, kind
or dates changing. Other filter fields (folders, tags, cameras, ...) are answered by the SQL of
just those fields, which touches only the items they select, and intersected with the mask.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path

import numpy as np

from mmdesk.kinds import FILE_KINDS
from mmdesk.store import Store
from mmdesk.store.filters import ItemFilter

COMPACT = 20_000  # changed items held beside the arrays before they are folded in
CHUNK = 100_000  # rows read at a time
NO_FILTER = ItemFilter()  # what is left of a filter when the facets answered all of it


def _clock() -> tuple[int, int, tuple[str, str]]:
    """The local time rules the dates of undated files were computed under."""
    return time.timezone, time.altzone, time.tzname


@dataclasses.dataclass
class _Table:
    """Sorted item ids with their kind codes and dates (ISO bytes, compared as SQLite does)."""

    ids: np.ndarray
    kinds: np.ndarray
    when: np.ndarray
    alive: np.ndarray  # False where a later change replaced or removed the row

    @staticmethod
    def of(ids: np.ndarray, kinds: list[str], when: list[str]) -> _Table:
        order = np.argsort(ids, kind="stable")
        codes = np.array([_code(k) for k in kinds], np.uint8).reshape(-1)
        dates = np.array([w.encode() for w in when] or [b""], "S")[: len(when)]
        return _Table(ids[order], codes[order], dates[order], np.ones(len(ids), bool))


def _joined(parts: list[_Table]) -> _Table:
    """One table of chunks read in id order."""
    if not parts:
        return _Table.of(np.zeros(0, np.int64), [], [])
    return _Table(
        np.concatenate([p.ids for p in parts]),
        np.concatenate([p.kinds for p in parts]),
        np.concatenate([p.when for p in parts]),
        np.concatenate([p.alive for p in parts]),
    )


def _code(kind: str) -> int:
    return FILE_KINDS.index(kind) if kind in FILE_KINDS else 255


class Facets:
    """The facets of one library's present items (see module doc)."""

    def __init__(self) -> None:
        self._table: _Table | None = None
        self._fresh: dict[int, tuple[str, str] | None] = {}  # changed since the table: or gone
        self._fresh_table: _Table | None = None  # ``_fresh`` as arrays, until the next change
        self._kept: dict[tuple[object, ...], np.ndarray] = {}  # answers until the next change
        self.seq = 0
        self._clock = _clock()
        self._worker: threading.Thread | None = None
        self._lock = threading.Lock()
        self.error: str | None = None

    @property
    def ready(self) -> bool:
        return self._table is not None

    def start(self, db_path: Path) -> None:
        """Read the facets in the background unless read or being read."""
        if self._table is None and (self._worker is None or not self._worker.is_alive()):
            self._worker = threading.Thread(
                target=self._load, args=(db_path,), daemon=True, name="facets"
            )
            self._worker.start()

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the background read (tests, benchmarks)."""
        if self._worker is not None:
            self._worker.join(timeout)

    def _load(self, db_path: Path) -> None:
        try:
            store = Store(db_path, read_only=True)
        except Exception as exc:  # derived data: the SQL keeps answering
            self.error = f"{type(exc).__name__}: {exc}"
            return
        try:
            seq = store.embedding_log_seq()  # first: a change made during the read is
            parts, last = [], 0  # read again from the log
            while True:  # in chunks: a million rows of Python objects at once is ~200 MB
                ids, kinds, when = store.item_facets(after_item=last, limit=CHUNK)
                if not len(ids):
                    break
                parts.append(_Table.of(ids, kinds, when))
                last = int(ids[-1])
            table = _joined(parts)
            with self._lock:
                self._table, self._fresh, self._fresh_table, self.seq = table, {}, None, seq
                self._kept = {}
                self._clock = _clock()
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            store.close()

    def catch_up(self, store: Store, encoders: list[str]) -> None:
        """Apply the changes logged since the facets were read (the encoders' items: the
        only ones a search of their space returns)."""
        if self._table is None:
            return
        if not store.embedding_log_covers(self.seq):  # pruned past what was read: read again
            with self._lock:
                self._table, self._kept = None, {}
            self.start(Path(store.path))
            return
        changed, upto = store.embedding_changes(encoders, self.seq, meta=True)
        if not changed:
            self.seq = max(self.seq, upto)
            return
        ids, kinds, when = store.item_facets(changed)
        with self._lock:
            table = self._table
            for item in changed:
                self._fresh[item] = None
            for item, kind, date in zip(ids.tolist(), kinds, when, strict=True):
                self._fresh[item] = (kind, date)
            self._kill(table, np.asarray(changed, np.int64))
            self._fresh_table, self._kept = None, {}
            self.seq = upto
            if len(self._fresh) > COMPACT:
                self._compact()

    @staticmethod
    def _kill(table: _Table, keys: np.ndarray) -> None:
        if not len(table.ids) or not len(keys):
            return
        at = np.minimum(np.searchsorted(table.ids, keys), len(table.ids) - 1)
        table.alive[at[table.ids[at] == keys]] = False

    def _compact(self) -> None:
        """Fold the changed items into new arrays (lock held)."""
        table, fresh = self._table, self._fresh_rows()
        assert table is not None
        keep = table.alive
        self._table = _Table(
            np.concatenate([table.ids[keep], fresh.ids]),
            np.concatenate([table.kinds[keep], fresh.kinds]),
            np.concatenate([table.when[keep].astype("S"), fresh.when.astype("S")]),
            np.ones(int(keep.sum()) + len(fresh.ids), bool),
        )
        order = np.argsort(self._table.ids, kind="stable")
        t = self._table
        self._table = _Table(t.ids[order], t.kinds[order], t.when[order], t.alive)
        self._fresh, self._fresh_table = {}, None

    def _fresh_rows(self) -> _Table:
        if self._fresh_table is None:
            present = [(i, v) for i, v in self._fresh.items() if v is not None]
            ids = np.fromiter((i for i, _ in present), np.int64, len(present))
            self._fresh_table = _Table.of(
                ids, [v[0] for _, v in present], [v[1] for _, v in present]
            )
        return self._fresh_table

    def allowed(self, store: Store, f: ItemFilter) -> np.ndarray | None:
        """Sorted ids of the present items passing ``f``, or None when the facets cannot say
        (not read yet, the local time rules changed, or no kind or date in the filter)."""
        if self._table is None or self._clock != _clock():
            return None
        if not (f.kinds or f.after or f.before):
            return None
        key = (tuple(f.kinds), f.after, f.before)
        with self._lock:
            found = self._kept.get(key)
            if found is None:
                table, fresh = self._table, self._fresh_rows()
                parts = [_passing(table, f, table.alive), _passing(fresh, f, None)]
                # disjoint sorted runs (a changed item is dead in the table): merged, not sorted
                found = np.sort(np.concatenate(parts), kind="stable") if len(parts[1]) else parts[0]
                found.flags.writeable = False
                if len(self._kept) >= 8:
                    self._kept.pop(next(iter(self._kept)))
                self._kept[key] = found
        rest = dataclasses.replace(f, kinds=[], after=None, before=None, oldest_first=False)
        if rest != NO_FILTER:
            found = _both(found, store.filtered_item_ids(rest))
        return found


def _passing(table: _Table, f: ItemFilter, alive: np.ndarray | None) -> np.ndarray:
    mask = np.ones(len(table.ids), bool) if alive is None else alive.copy()
    if f.kinds:
        wanted = np.zeros(256, bool)
        wanted[[_code(k) for k in f.kinds]] = True
        mask &= wanted[table.kinds]
    if f.after:
        mask &= table.when >= f.after.encode()
    if f.before:
        mask &= table.when < f.before.encode()
    return table.ids[mask]


def _both(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The ids in both sorted unique arrays, by looking the smaller one up in the larger."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    if not len(small) or not len(large):
        return np.zeros(0, np.int64)
    at = np.minimum(np.searchsorted(large, small), len(large) - 1)
    return np.asarray(small[large[at] == small], np.int64)
