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
        self,
        source: str,
        item_ids: Iterable[int],
        rows: Iterable[tuple[int, str, float]],
        *,
        trained_at: float = 0.0,
    ) -> int:
        """Replace ``source``'s predictions on ``item_ids`` with ``rows`` of (item id, tag,
        score): one executemany to clear, one to write. Each tag is the classifier's label,
        written to the tag it is tied to (:meth:`classifier_tag_ids`): a label whose tag was
        deleted is dropped, two labels merged into one tag keep the higher score. Returns
        the rows written."""
        ids = list(item_ids)
        rows = list(rows)
        with self.transaction():
            tag_ids = self.classifier_tag_ids(source, {t for _, t, _ in rows}, trained_at)
            best: dict[tuple[int, int], float] = {}
            for item_id, label, score in rows:
                tag_id = tag_ids.get(label)
                if tag_id is not None:
                    key = (item_id, tag_id)
                    best[key] = max(float(score), best.get(key, float("-inf")))
            self._sql(
                "DELETE FROM labels WHERE source=? AND item_id IN (SELECT value FROM json_each(?))",
                (source, id_list(ids)),
            )
            now = time.time()
            self._many(
                "INSERT INTO labels(item_id, tag_id, source, score, created_at) VALUES (?,?,?,?,?)",
                [(i, tag_id, source, score, now) for (i, tag_id), score in best.items()],
            )
        return len(best)

    def classifier_tag_ids(
        self, source: str, labels: Iterable[str], trained_at: float
    ) -> dict[str, int | None]:
        """Label -> the id of the tag ``source``'s label stands for now (None: its tag was
        deleted). A label is tied to a tag the first time it is asked for, by name, creating
        the tag when there is none (a classifier installed from elsewhere brings its tags);
        from then on renames and merges carry it along (the tie is by id). A tie made for
        an earlier training of the classifier is made again."""
        with self.transaction():
            self._sql(
                "DELETE FROM classifier_tags WHERE source=? AND trained_at<>?",
                (source, trained_at),
            )
            tied = {
                str(r[0]).casefold(): r[1]
                for r in self._sql(
                    "SELECT label, tag_id FROM classifier_tags WHERE source=?", (source,)
                )
            }
            out: dict[str, int | None] = {}
            for label in labels:
                key = label.casefold()
                if key not in tied:
                    tag_id = self.tag_id(label)
                elif tied[key] is None:  # deleted; back when a tag of its name is back
                    tag_id = self.tag_id(label, create=False)
                else:
                    out[label] = int(tied[key])
                    continue
                self._sql(
                    "INSERT OR REPLACE INTO classifier_tags(source, label, tag_id, trained_at) "
                    "VALUES (?,?,?,?)",
                    (source, label, tag_id, trained_at),
                )
                tied[key] = tag_id
                out[label] = tag_id
        return out

    def classifier_tag_names(self, source: str, trained_at: float) -> dict[str, str | None]:
        """Label -> the name of the tag it stands for now, for the labels of ``source`` tied
        for this training (see :meth:`classifier_tag_ids`); None where the tag was deleted."""
        rows = self._sql(
            "SELECT c.label, t.name FROM classifier_tags c LEFT JOIN tags t ON t.id=c.tag_id "
            "WHERE c.source=? AND c.trained_at=?",
            (source, trained_at),
        )
        return {str(r[0]).casefold(): r[1] for r in rows}

    def forget_predictions(self, source: str) -> int:
        """Drop every prediction of one classifier (it was removed or retrained from zero)."""
        with self._write():
            cur = self._sql("DELETE FROM labels WHERE source=?", (source,))
            self._sql("DELETE FROM classifier_tags WHERE source=?", (source,))
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
