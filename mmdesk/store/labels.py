"""Tags and labels: a person's tags (source 'user') and a classifier's (``classifier:<id>``)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from mmdesk.errors import StoreError
from mmdesk.store.base import StoreBase
from mmdesk.store.items import id_list


class LabelsMixin(StoreBase):
    """Create tags, label items, count labels."""

    def tag_id(self, name: str, *, create: bool = True) -> int | None:
        """The id of tag ``name`` (case-insensitive), created when missing if ``create``."""
        name = name.strip()
        if not name:
            raise StoreError("a tag needs a name")
        found = self.scalar("SELECT id FROM tags WHERE name=?", (name,))
        if found is None and create:
            with self._write():
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
        """The item's labels: ``{"name", "source", "score"}``, by name then source."""
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

    def tag_counts(self) -> list[tuple[str, int]]:
        """Every tag with how many items carry it, by name."""
        rows = self._sql(
            "SELECT t.name, COUNT(DISTINCT l.item_id) FROM tags t LEFT JOIN labels l ON "
            "l.tag_id=t.id GROUP BY t.id ORDER BY t.name"
        )
        return [(r[0], int(r[1])) for r in rows]

    def tag_counts_for(self, item_ids: Iterable[int]) -> dict[str, int]:
        """How many of ``item_ids`` carry each tag, in one query (the selection's tag menu)."""
        rows = self._sql(
            "SELECT t.name, COUNT(DISTINCT l.item_id) FROM labels l JOIN tags t ON "
            "t.id=l.tag_id WHERE l.item_id IN (SELECT value FROM json_each(?)) GROUP BY t.id",
            (id_list(item_ids),),
        )
        return {r[0]: int(r[1]) for r in rows}
