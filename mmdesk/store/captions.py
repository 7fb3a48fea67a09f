"""Captions: texts with source 'caption', one per item and producer; a person's edit wins.

A caption a person wrote or corrected has producer ``'user'``; re-captioning never touches it,
and an item that has one is not offered to captioners again.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from mmdesk.store import paths
from mmdesk.store.base import StoreBase
from mmdesk.store.items import id_list

USER = "user"
CAPTIONABLE_KINDS = ("image",)


class CaptionsMixin(StoreBase):
    """Find items to caption, write captions, read the caption an item shows."""

    def caption_targets(
        self, producer: str, item_ids: Iterable[int] | None = None, *, redo: bool = False
    ) -> list[tuple[int, str]]:
        """(item id, path) of present images lacking ``producer``'s caption (all, ``redo``).

        Items with a person's caption are never offered.
        """
        only = "" if item_ids is None else " AND i.id IN (SELECT value FROM json_each(?))"
        mine = "" if redo else " OR t.producer=?"
        params: list[object] = [USER, *([] if redo else [producer])]
        params += [*CAPTIONABLE_KINDS] + ([] if item_ids is None else [id_list(item_ids)])
        rows = self._sql(
            "SELECT i.id, f.path FROM items i JOIN files f ON f.id=i.file_id "
            "WHERE NOT EXISTS (SELECT 1 FROM texts t WHERE t.item_id=i.id AND t.source='caption' "
            f"AND (t.producer=?{mine})) AND f.status='indexed' "
            f"AND i.kind IN ({','.join('?' * len(CAPTIONABLE_KINDS))}){only} ORDER BY f.path, i.id",
            params,
        )
        return [(int(i), paths.decode(p)) for i, p in rows]

    def write_captions(self, rows: Iterable[tuple[int, str]], producer: str, lang: str) -> None:
        """Replace ``producer``'s caption of each item; one transaction for the batch."""
        now = time.time()
        with self.transaction():
            for item_id, text in rows:
                self._sql(
                    "DELETE FROM texts WHERE item_id=? AND source='caption' AND producer=?",
                    (item_id, producer),
                )
                self._sql(
                    "INSERT INTO texts(item_id, source, producer, lang, text, created_at) "
                    "VALUES (?, 'caption', ?, ?, ?, ?)",
                    (item_id, producer, lang, text, now),
                )

    def shown_captions(self, item_ids: Iterable[int] | None) -> dict[int, tuple[str, str]]:
        """item id -> (caption, producer): the person's if any, else the newest (None: all)."""
        only = "" if item_ids is None else " AND item_id IN (SELECT value FROM json_each(?))"
        params = ([] if item_ids is None else [id_list(item_ids)]) + [USER]
        rows = self._sql(
            f"SELECT item_id, text, producer FROM texts WHERE source='caption'{only} "
            "ORDER BY (producer=?), created_at, id",
            params,
        )
        return {int(i): (str(t), str(p)) for i, t, p in rows}

    def ocr_texts(self, item_ids: Iterable[int] | None) -> dict[int, str]:
        """item id -> the text read in it (its OCR lines joined), for items that have some
        (None: every present item)."""
        only = "" if item_ids is None else " AND t.item_id IN (SELECT value FROM json_each(?))"
        rows = self._sql(
            "SELECT t.item_id, group_concat(t.text, ' ') FROM texts t JOIN items i "
            "ON i.id=t.item_id JOIN files f ON f.id=i.file_id AND f.status='indexed' "
            f"WHERE t.source='ocr'{only} GROUP BY t.item_id",
            () if item_ids is None else (id_list(item_ids),),
        )
        return {int(i): str(t) for i, t in rows}
