"""Tags and labels: what a person says an item is (``user``) or is not (``not``), and what a
classifier predicts (``classifier:<plugin id>``, with a score; see classifiers.py). Tags nest
by ``/`` (tag_tree.py: rename, merge, delete branches, colours, undo rows)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from mmdesk.errors import StoreError
from mmdesk.store.items import id_list
from mmdesk.store.tag_tree import TagTreeMixin

# The two sources a person's labels have; every other source is a classifier's prediction.
PERSON_SOURCES = ("user", "not")


class LabelsMixin(TagTreeMixin):
    """Create tags, label items, count labels."""

    def tag_id(self, name: str, *, create: bool = True) -> int | None:
        """The id of tag ``name`` (case-insensitive), created when missing if ``create``
        (with its missing ancestors: ``Places/Paris`` makes ``Places`` too)."""
        name = name.strip()
        if not name:
            raise StoreError("a tag needs a name")
        found = self.scalar("SELECT id FROM tags WHERE name=?", (name,))
        if found is None and create:
            with self.transaction():
                self.ensure_tag_parents(name)
                cur = self._sql(
                    "INSERT INTO tags(name, created_at) VALUES (?, ?)", (name, time.time())
                )
            found = cur.lastrowid
        return None if found is None else int(found)

    def tag_exists(self, name: str) -> bool:
        """Whether a tag of this name (case-insensitive) exists."""
        return self.tag_id(name, create=False) is not None

    def add_label(
        self, item_ids: Iterable[int], tag: str, *, source: str = "user", score: float | None = None
    ) -> None:
        """Label items with ``tag`` (creating the tag), replacing a label of the same source."""
        with self.transaction():
            tag_id = self.tag_id(tag)
            now = time.time()
            self._many(
                "INSERT OR REPLACE INTO labels(item_id, tag_id, source, score, created_at) "
                "VALUES (?,?,?,?,?)",
                [(i, tag_id, source, score, now) for i in item_ids],
            )

    def set_person_label(self, item_ids: Iterable[int], tag: str, source: str) -> None:
        """Say items are (``user``) or are not (``not``) ``tag``: the opposite label of the
        person goes in the same transaction, so an item never reads as both."""
        if source not in PERSON_SOURCES:
            raise StoreError(f"a person's label is 'user' or 'not', not {source!r}")
        ids = list(item_ids)
        opposite = "not" if source == "user" else "user"
        with self.transaction():
            self.remove_label(ids, tag, source=opposite)
            self.add_label(ids, tag, source=source)

    def remove_label(self, item_ids: Iterable[int], tag: str, *, source: str = "user") -> int:
        """Remove ``tag`` of ``source`` from items; returns how many labels were removed."""
        with self.transaction():
            tag_id = self.tag_id(tag, create=False)
            if tag_id is None:
                return 0
            cur = self._many(
                "DELETE FROM labels WHERE item_id=? AND tag_id=? AND source=?",
                [(i, tag_id, source) for i in item_ids],
            )
        return max(cur.rowcount, 0)

    def labels_for(self, item_id: int) -> list[dict[str, Any]]:
        """The item's labels as stored: ``{"name", "source", "score"}``, by name then source."""
        rows = self.query(
            "SELECT t.name, l.source, l.score FROM labels l JOIN tags t ON t.id=l.tag_id"
            " WHERE l.item_id=? ORDER BY t.name, l.source",
            (item_id,),
        )
        return [dict(r) for r in rows]

    def label_names(self, item_id: int) -> list[str]:
        """The names of the item's tags, whatever their source, sorted."""
        rows = self._sql(
            "SELECT DISTINCT t.name FROM labels l JOIN tags t ON t.id=l.tag_id"
            " WHERE l.item_id=? ORDER BY t.name",
            (item_id,),
        )
        return [r[0] for r in rows]

    def tag_counts(self, *, source: str | None = None) -> list[tuple[str, int]]:
        """Every tag with how many items carry it (labels of ``source`` only, if given)."""
        rows = self._sql(
            "SELECT t.name, COUNT(DISTINCT l.item_id) FROM tags t LEFT JOIN labels l ON "
            "l.tag_id=t.id AND (?1 IS NULL OR l.source=?1) GROUP BY t.id ORDER BY t.name",
            (source,),
        )
        return [(r[0], int(r[1])) for r in rows]

    def tag_counts_for(
        self, item_ids: Iterable[int], *, source: str | None = None
    ) -> dict[str, int]:
        """How many of ``item_ids`` carry each tag (labels of ``source`` only, if given), in one
        query (the selection's tag menu)."""
        rows = self._sql(
            "SELECT t.name, COUNT(DISTINCT l.item_id) FROM labels l JOIN tags t ON "
            "t.id=l.tag_id WHERE l.item_id IN (SELECT value FROM json_each(?1)) "
            "AND (?2 IS NULL OR l.source=?2) GROUP BY t.id",
            (id_list(item_ids), source),
        )
        return {r[0]: int(r[1]) for r in rows}

    def label_counts(self, tag: str) -> dict[str, int]:
        """Items a person said are ``tag`` (positives), are not (negatives), and items only a
        classifier says are (predicted: what the review view still has to show)."""
        row = self._sql(
            "SELECT COUNT(DISTINCT CASE WHEN l.source='user' THEN l.item_id END), "
            "COUNT(DISTINCT CASE WHEN l.source='not' THEN l.item_id END), "
            "COUNT(DISTINCT CASE WHEN l.source LIKE 'classifier:%' AND NOT EXISTS (SELECT 1 "
            "FROM labels p WHERE p.item_id=l.item_id AND p.tag_id=l.tag_id AND p.source IN "
            "('user','not')) THEN l.item_id END) "
            "FROM labels l JOIN tags t ON t.id=l.tag_id WHERE t.name=?",
            (tag.strip(),),
        ).fetchone()
        return {"positives": int(row[0]), "negatives": int(row[1]), "predicted": int(row[2])}

    def person_labels_since(self, tag: str, since: float) -> int:
        """How many of a person's labels (is or is not) of ``tag`` are newer than ``since``:
        what "retrain after N new labels" counts."""
        found = self.scalar(
            "SELECT COUNT(*) FROM labels l JOIN tags t ON t.id=l.tag_id WHERE t.name=? "
            "AND l.source IN ('user','not') AND l.created_at > ?",
            (tag.strip(), since),
        )
        return int(found or 0)

    def tag_names_for(
        self, item_ids: Iterable[int], *, source: str | None = None
    ) -> dict[int, list[str]]:
        """The tag names of each of ``item_ids`` (labels of ``source`` only, if given), sorted,
        in one query (the grid's tiles show a page's tags); untagged items are left out."""
        rows = self._sql(
            "SELECT DISTINCT l.item_id, t.name FROM labels l JOIN tags t ON t.id=l.tag_id "
            "WHERE l.item_id IN (SELECT value FROM json_each(?1)) "
            "AND (?2 IS NULL OR l.source=?2) ORDER BY l.item_id, t.name",
            (id_list(item_ids), source),
        )
        names: dict[int, list[str]] = {}
        for item_id, name in rows:
            names.setdefault(int(item_id), []).append(name)
        return names
