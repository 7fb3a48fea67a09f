"""Predicted labels: a classifier's scores per (item, tag), kept apart from a person's labels.

A prediction is a ``labels`` row whose source is ``classifier:<plugin id>``. Writing one never
touches a person's rows (``user``, ``not``): the source is part of the key. Review queries
leave out items the person already labelled for the tag.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from mmdesk.store.base import StoreBase
from mmdesk.store.items import ITEM_COLUMNS, id_list, item_dict

# Predictions of one tag that no person's label of the same tag overrides, best score per item.
_OPEN_PREDICTIONS = (
    "SELECT l.item_id, MAX(l.score) AS score FROM labels l JOIN tags t ON t.id=l.tag_id "
    "WHERE t.name=? AND l.source LIKE 'classifier:%' AND NOT EXISTS (SELECT 1 FROM labels p "
    "WHERE p.item_id=l.item_id AND p.tag_id=l.tag_id AND p.source IN ('user','not')) "
    "GROUP BY l.item_id"
)


class ClassifiersMixin(StoreBase):
    """Write a classifier's predictions; find the items the review view shows."""

    if TYPE_CHECKING:

        def tag_id(self, name: str, *, create: bool = True) -> int | None: ...

    def replace_predictions(
        self, source: str, item_ids: Iterable[int], rows: Iterable[tuple[int, str, float]]
    ) -> int:
        """Replace ``source``'s predictions on ``item_ids`` with ``rows`` of (item id, tag,
        score): one executemany to clear, one to write. Returns the rows written."""
        ids = list(item_ids)
        rows = list(rows)
        with self.transaction():
            tag_ids = {tag: self.tag_id(tag) for tag in {tag for _, tag, _ in rows}}
            self._sql(
                "DELETE FROM labels WHERE source=? AND item_id IN (SELECT value FROM json_each(?))",
                (source, id_list(ids)),
            )
            now = time.time()
            self._many(
                "INSERT INTO labels(item_id, tag_id, source, score, created_at) VALUES (?,?,?,?,?)",
                [(i, tag_ids[tag], source, float(score), now) for i, tag, score in rows],
            )
        return len(rows)

    def forget_predictions(self, source: str) -> int:
        """Drop every prediction of one classifier (it was removed or retrained from zero)."""
        with self._write():
            cur = self._sql("DELETE FROM labels WHERE source=?", (source,))
        return max(cur.rowcount, 0)

    def most_confident_unlabelled(self, tag: str, limit: int) -> list[dict[str, Any]]:
        """Present items predicted ``tag`` with no label of the person for it, best first."""
        return self._review(tag, "o.score DESC", [], limit)

    def most_uncertain(self, tag: str, limit: int, threshold: float = 0.5) -> list[dict[str, Any]]:
        """Present items predicted ``tag`` with no label of the person for it, the score
        nearest ``threshold`` first: where one more label teaches the classifier most."""
        return self._review(tag, "ABS(o.score - ?) ASC, o.score DESC", [threshold], limit)

    def _review(
        self, tag: str, order: str, order_params: list[Any], limit: int
    ) -> list[dict[str, Any]]:
        rows = self.query(
            f"SELECT {ITEM_COLUMNS}, o.score AS score FROM ({_OPEN_PREDICTIONS}) o "
            "JOIN items i ON i.id=o.item_id JOIN files f ON f.id=i.file_id "
            f"WHERE f.status='indexed' ORDER BY {order}, i.id LIMIT ?",
            [tag.strip(), *order_params, limit],
        )
        return [item_dict(r) for r in rows]

    def present_item_ids(self, *, indexed_since: float | None = None) -> list[int]:
        """Ids of present items, only those whose file was (re-)indexed at or after
        ``indexed_since`` if given: the items a classifier has not seen yet."""
        rows = self._sql(
            "SELECT i.id FROM items i JOIN files f ON f.id=i.file_id WHERE f.status='indexed' "
            "AND (?1 IS NULL OR f.indexed_at >= ?1) ORDER BY i.id",
            (indexed_since,),
        )
        return [int(r[0]) for r in rows]
