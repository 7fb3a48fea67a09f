"""Items: the things search returns (an image, a video frame, an audio window) and their facts."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from mmdesk.store import paths
from mmdesk.store.base import StoreBase

# The columns of items_info and browse rows (one definition for both).
ITEM_COLUMNS = (
    'i.id AS item_id, i.kind, i.start, i."end", f.id AS file_id, f.path, f.size, '
    "f.mtime_ns, f.width, f.height, f.taken_at, f.camera, f.status, f.kind AS file_kind, "
    "f.meta AS file_meta, (SELECT state FROM folders WHERE id=f.folder_id) AS folder_state"
)


def item_dict(row: sqlite3.Row) -> dict[str, Any]:
    """An ITEM_COLUMNS row as a dict, its path decoded and the file's media facts (a video's
    duration, codecs ...) parsed from JSON into ``file_meta``."""
    out = {**dict(row), "path": paths.decode(row["path"])}
    if "file_meta" in out:
        try:
            parsed = json.loads(out["file_meta"] or "{}")
        except ValueError:
            parsed = {}
        out["file_meta"] = parsed if isinstance(parsed, dict) else {}
    return out


def id_list(ids: Iterable[int]) -> str:
    """Ids as one JSON parameter for ``IN (SELECT value FROM json_each(?))``: no 999 limit."""
    return json.dumps([int(i) for i in ids])


class ItemsMixin(StoreBase):
    """Create and read items."""

    def ensure_item(
        self,
        file_id: int,
        kind: str,
        start: float | None = None,
        end: float | None = None,
        meta: dict[str, Any] | None = None,
    ) -> int:
        """The item for (file, kind, start), created if needed; keeps ids stable on re-index."""
        meta_json = json.dumps(meta) if meta else None
        with self._write():
            row = self._sql(
                "SELECT id FROM items WHERE file_id=? AND kind=? AND start IS ?",
                (file_id, kind, start),
            ).fetchone()
            if row:
                self._sql('UPDATE items SET "end"=?, meta=? WHERE id=?', (end, meta_json, row[0]))
                return int(row[0])
            cur = self._sql(
                'INSERT INTO items(file_id, kind, start, "end", meta) VALUES (?,?,?,?,?)',
                (file_id, kind, start, end, meta_json),
            )
            self._changed()
            return int(cur.lastrowid or 0)

    def prune_items(self, file_id: int, keep: Iterable[int]) -> int:
        """After a re-index, drop the file's embedded items (photo, video frames, whole sound
        track) that the decoder did not give again, unless a person labelled or annotated
        them; returns how many went. A transcript's timed segments are the transcriber's."""
        kept = id_list(keep)
        with self._write():
            cur = self._sql(
                "DELETE FROM items WHERE file_id=? AND id NOT IN (SELECT value FROM json_each(?))"
                " AND (kind IN ('image', 'video_frame') OR (kind='audio_segment' AND start IS "
                "NULL)) AND NOT EXISTS (SELECT 1 FROM labels l WHERE l.item_id=items.id AND "
                "l.source='user') AND NOT EXISTS (SELECT 1 FROM texts t WHERE "
                "t.item_id=items.id AND t.source='user')",
                (file_id, kept),
            )
            if cur.rowcount:
                self._changed()
        return cur.rowcount

    def whole_sound_of(self, item_id: int) -> int | None:
        """The whole sound-track item of an item's file (what a transcript segment or a video
        moment stands in for when searching by sound), or None."""
        return self.scalar(
            "SELECT w.id FROM items i JOIN items w ON w.file_id=i.file_id AND "
            "w.kind='audio_segment' AND w.start IS NULL WHERE i.id=?",
            (item_id,),
        )

    def items_info(self, item_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        """Path, kind, times and file facts for items, by id."""
        rows = self.query(
            f"SELECT {ITEM_COLUMNS} FROM items i JOIN files f ON f.id=i.file_id "
            "WHERE i.id IN (SELECT value FROM json_each(?))",
            (id_list(item_ids),),
        )
        return {r["item_id"]: item_dict(r) for r in rows}

    def item_for_path(self, path: str) -> int | None:
        """The first item of the file at ``path`` (the still image, or the earliest segment)."""
        return self.scalar(
            "SELECT i.id FROM items i JOIN files f ON f.id=i.file_id WHERE f.path=?"
            " ORDER BY i.start IS NOT NULL, i.start LIMIT 1",
            (paths.encode(path),),
        )

    def items_by_kind(self) -> dict[str, int]:
        """Present items per kind (image, video_frame, ...), for counts and the sidebar."""
        rows = self._sql(
            "SELECT i.kind, COUNT(*) FROM items i JOIN files f ON f.id=i.file_id "
            "WHERE f.status='indexed' GROUP BY i.kind"
        )
        return {str(k): int(n) for k, n in rows}

    def items_by_file_kind(self) -> dict[str, int]:
        """Present items per file kind (image, video, audio): what the kind filter selects."""
        rows = self._sql(
            "SELECT f.kind, COUNT(*) FROM items i JOIN files f ON f.id=i.file_id "
            "WHERE f.status='indexed' GROUP BY f.kind"
        )
        return {str(k): int(n) for k, n in rows}
