"""Transcripts: what was said in a sound, one item per stretch of speech.

A sound (an audio file, a video's sound track) has one *whole* ``audio_segment`` item (start
NULL). Each transcript segment is an ``audio_segment`` item of the same file with its own
start and end, holding one ``transcript`` text, so keyword and meaning search find the moment
that was spoken and not only the file. The transcriber's pass is recorded on the whole item
in ``text_passes``: a silent or music-only sound is not listened to again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from typing import Any

from mmdesk.store.base import StoreBase
from mmdesk.store.items import id_list

SOURCE, KIND = "transcript", "audio_segment"
# Segment items a person has marked (a tag, a yes/no, a note) outlive a new transcript.
_PERSONAL = (
    "EXISTS (SELECT 1 FROM labels l WHERE l.item_id=i.id AND l.source IN ('user','not')) "
    "OR EXISTS (SELECT 1 FROM texts u WHERE u.item_id=i.id AND u.source='user')"
)

TranscriptSegment = tuple[float, float, str, dict[str, Any]]


class TranscriptsMixin(StoreBase):
    """Find sounds not yet transcribed, replace a sound's transcript, read it back."""

    def sounds_unheard(self, producer: str, limit: int) -> list[int]:
        """Whole sound items of present files that ``producer`` has not been over, oldest
        first."""
        rows = self._sql(
            "SELECT i.id FROM items i JOIN files f ON f.id=i.file_id AND f.status='indexed' "
            "WHERE i.kind=? AND i.start IS NULL AND NOT EXISTS (SELECT 1 FROM text_passes p "
            "WHERE p.item_id=i.id AND p.producer=?) ORDER BY i.id LIMIT ?",
            (KIND, producer, limit),
        )
        return [int(r[0]) for r in rows]

    def sound_items(self, item_ids: Iterable[int] | None = None) -> list[int]:
        """Whole sound items of present files, oldest first: all of them, or those of the
        files holding ``item_ids`` (any item of a file stands for its sound)."""
        sql = (
            "SELECT i.id FROM items i JOIN files f ON f.id=i.file_id AND f.status='indexed' "
            "WHERE i.kind=? AND i.start IS NULL"
        )
        if item_ids is None:
            rows = self._sql(f"{sql} ORDER BY i.id", (KIND,))
        else:
            rows = self._sql(
                f"{sql} AND i.file_id IN (SELECT file_id FROM items WHERE id IN "
                "(SELECT value FROM json_each(?))) ORDER BY i.id",
                (KIND, id_list(item_ids)),
            )
        return [int(r[0]) for r in rows]

    def replace_transcript(
        self, whole_item_id: int, producer: str, segments: Sequence[TranscriptSegment]
    ) -> list[int]:
        """``producer``'s new transcript of a sound, in one transaction; returns the segment
        items in ``segments`` order.

        Its old segment items of the file go with their texts and vectors, except those a
        person marked (a tag or a note): they stay as they were, and one at the same start as
        a new segment takes the new text. ``segments`` is ``[(start, end, text, meta)]`` in
        seconds; ``meta`` (start, end, avg_logprob, no_speech_prob, language) is kept as JSON,
        its language also as the text's. The whole item is marked as heard, speech or not.
        """
        now = time.time()
        with self.transaction():
            file_id = self.scalar("SELECT file_id FROM items WHERE id=?", (whole_item_id,))
            if file_id is None:
                return []
            self._drop_old(int(file_id), producer)
            items = [self._segment_item(int(file_id), s, e, producer) for s, e, _, _ in segments]
            self._many(
                "INSERT INTO texts(item_id, source, producer, lang, text, created_at, meta) "
                "VALUES (?,?,?,?,?,?,?)",
                [
                    (item, SOURCE, producer, meta.get("language"), text, now, _dumps(meta))
                    for item, (_, _, text, meta) in zip(items, segments, strict=True)
                ],
            )
            self._sql(
                "INSERT OR REPLACE INTO text_passes(item_id, producer, found, done_at) "
                "VALUES (?,?,?,?)",
                (whole_item_id, producer, len(segments), now),
            )
            self._changed()
        return items

    def _drop_old(self, file_id: int, producer: str) -> None:
        """Delete the producer's segment items of the file, but not those a person marked
        (kept whole) nor its texts' neighbours: another producer's texts keep their item."""
        mine = (
            "SELECT i.id FROM items i WHERE i.file_id=? AND i.kind=? AND i.start IS NOT NULL "
            "AND EXISTS (SELECT 1 FROM texts t WHERE t.item_id=i.id AND t.source=? "
            f"AND t.producer=?) AND NOT ({_PERSONAL})"
        )
        params = (file_id, KIND, SOURCE, producer)
        others = "SELECT 1 FROM texts o WHERE o.item_id=i.id AND NOT (o.source=? AND o.producer=?)"
        self._sql(
            f"DELETE FROM items WHERE id IN ({mine} AND NOT EXISTS ({others}))",
            (*params, SOURCE, producer),
        )
        self._sql(
            f"DELETE FROM texts WHERE source=? AND producer=? AND item_id IN ({mine})",
            (SOURCE, producer, *params),
        )

    def _segment_item(self, file_id: int, start: float, end: float, producer: str) -> int:
        """The item of the file's segment at ``start``: a kept one (its old text from this
        producer replaced) or a new one."""
        row = self._sql(
            "SELECT id FROM items WHERE file_id=? AND kind=? AND start=?", (file_id, KIND, start)
        ).fetchone()
        if row:
            self._sql(
                "DELETE FROM texts WHERE item_id=? AND source=? AND producer=?",
                (row[0], SOURCE, producer),
            )
            self._sql('UPDATE items SET "end"=? WHERE id=?', (end, row[0]))
            return int(row[0])
        cur = self._sql(
            'INSERT INTO items(file_id, kind, start, "end") VALUES (?,?,?,?)',
            (file_id, KIND, start, end),
        )
        return int(cur.lastrowid or 0)

    def transcript_of(self, file_id: int) -> list[dict[str, Any]]:
        """The file's transcript in time order: ``{"start", "end", "text", "item_id",
        "producer"}`` per segment."""
        rows = self.query(
            'SELECT i.start, i."end", t.text, i.id AS item_id, t.producer FROM items i '
            "JOIN texts t ON t.item_id=i.id AND t.source=? "
            "WHERE i.file_id=? AND i.kind=? AND i.start IS NOT NULL ORDER BY i.start, t.id",
            (SOURCE, file_id, KIND),
        )
        return [dict(r) for r in rows]


def _dumps(meta: dict[str, Any]) -> str:
    return json.dumps(meta, separators=(",", ":"))
