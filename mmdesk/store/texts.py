"""Texts of items (captions, OCR, transcripts, a person's notes) and searching them.

Search quotes every term, so ``cat's`` or ``red-toy`` are words, not FTS5 syntax; it ranks
with BM25 and falls back to a trigram index for substrings (OCR glues words together). Each
producer that reads items (a text reader, a captioner) marks the items it has been over in
``text_passes``, so a picture without text is not read again on the next run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from typing import Any

from mmdesk.kinds import TEXT_SOURCES
from mmdesk.store.base import StoreBase

WORD_INDEX, SUBSTRING_INDEX = "texts_fts", "texts_tri"
TRIGRAM = 3
_PRESENT = "JOIN items i ON i.id=t.item_id JOIN files f ON f.id=i.file_id AND f.status='indexed'"


def fts_terms(query: str) -> list[str]:
    """The whitespace-separated terms of a person's query."""
    return [t for t in query.split() if any(c.isalnum() for c in t)]


def fts_query(terms: Iterable[str]) -> str:
    """An FTS5 query that matches every term literally (each one a quoted string)."""
    return " ".join('"' + t.replace('"', '""') + '"' for t in terms)


def _check_source(source: str) -> None:
    if source not in TEXT_SOURCES:
        raise ValueError(f"unknown text source {source!r}: choose from {TEXT_SOURCES}")


class TextsMixin(StoreBase):
    """Add, replace, read and search texts; remember which producer read which item."""

    def add_text(
        self,
        item_id: int,
        source: str,
        text: str,
        *,
        producer: str | None = None,
        lang: str | None = None,
        meta: dict[str, Any] | None = None,
    ) -> int:
        """Attach a text to an item; returns its id. ``source`` is one of kinds.TEXT_SOURCES;
        ``meta`` is kept as JSON (an OCR text's lines, boxes and confidences)."""
        _check_source(source)
        with self._write():
            cur = self._sql(
                "INSERT INTO texts(item_id, source, producer, lang, text, created_at, meta) "
                "VALUES (?,?,?,?,?,?,?)",
                (item_id, source, producer, lang, text, time.time(), _dumps(meta)),
            )
        return int(cur.lastrowid or 0)

    def replace_texts(
        self,
        source: str,
        producer: str,
        found: Sequence[tuple[int, list[tuple[str, dict[str, Any] | None]]]],
    ) -> None:
        """One producer's new reading of a batch of items, in one transaction: its old texts
        of those items go (their vectors with them), the new ones come, and each item is marked
        as read by it, found texts or none. ``found`` is ``[(item id, [(text, meta)])]``."""
        _check_source(source)
        now = time.time()
        with self.transaction():
            self._many(
                "DELETE FROM texts WHERE item_id=? AND source=? AND producer=?",
                [(item, source, producer) for item, _ in found],
            )
            self._many(
                "INSERT INTO texts(item_id, source, producer, text, created_at, meta) "
                "VALUES (?,?,?,?,?,?)",
                [(i, source, producer, t, now, _dumps(m)) for i, ts in found for t, m in ts],
            )
            self._many(
                "INSERT OR REPLACE INTO text_passes(item_id, producer, found, done_at) "
                "VALUES (?,?,?,?)",
                [(item, producer, len(texts), now) for item, texts in found],
            )
            self._changed()  # text vectors went with the old texts: search caches reload

    def items_unread(self, producer: str, item_kinds: Sequence[str], limit: int) -> list[int]:
        """Present items of these kinds that ``producer`` has not been over yet, oldest first."""
        rows = self._sql(
            f"SELECT i.id FROM items i JOIN files f ON f.id=i.file_id AND f.status='indexed' "
            f"WHERE i.kind IN ({','.join('?' * len(item_kinds))}) AND NOT EXISTS (SELECT 1 "
            "FROM text_passes p WHERE p.item_id=i.id AND p.producer=?) ORDER BY i.id LIMIT ?",
            (*item_kinds, producer, limit),
        )
        return [int(r[0]) for r in rows]

    def forget_passes(self, producer: str, item_ids: Iterable[int] | None = None) -> None:
        """Have ``producer`` read these items (default: all) again on its next run."""
        with self._write():
            if item_ids is None:
                self._sql("DELETE FROM text_passes WHERE producer=?", (producer,))
            else:
                self._many(
                    "DELETE FROM text_passes WHERE producer=? AND item_id=?",
                    [(producer, int(i)) for i in item_ids],
                )

    def forget_file_passes(self, file_id: int) -> None:
        """The file's content changed: every reader (OCR, captioner, transcriber) goes over
        its items again on its next run."""
        with self._write():
            self._sql(
                "DELETE FROM text_passes WHERE item_id IN (SELECT id FROM items WHERE file_id=?)",
                (file_id,),
            )

    def snippets(self, item_ids: Iterable[int], source: str = "transcript") -> dict[int, str]:
        """The text of each of these items from ``source`` (the words said in a transcript
        segment), by item id."""
        rows = self._sql(
            "SELECT item_id, text FROM texts WHERE source=? AND item_id IN "
            "(SELECT value FROM json_each(?)) ORDER BY id",
            (source, json.dumps([int(i) for i in item_ids])),
        )
        return {int(i): str(t) for i, t in rows}

    def texts_for(self, item_id: int) -> list[dict[str, Any]]:
        """The item's texts in the order they were added, with ``meta`` decoded."""
        rows = self.query(
            "SELECT id, source, producer, lang, text, meta FROM texts WHERE item_id=? ORDER BY id",
            (item_id,),
        )
        return [{**dict(r), "meta": json.loads(r["meta"]) if r["meta"] else None} for r in rows]

    def search_texts(
        self, query: str, limit: int = 100, *, sources: Iterable[str] | None = None
    ) -> list[tuple[int, float]]:
        """(item id, BM25 score; lower is better), best first, one row per item.

        Words first; when they find nothing, the substring index with the terms of at least
        three characters. ``sources`` limits the search to e.g. ``["ocr"]``.
        """
        terms, wanted = fts_terms(query), list(sources or [])
        if not terms:
            return []
        hits = self._match(WORD_INDEX, terms, limit, wanted)
        long_terms = [t for t in terms if len(t) >= TRIGRAM]
        if not hits and long_terms:
            hits = self._match(SUBSTRING_INDEX, long_terms, limit, wanted)
        return hits

    def _match(
        self, index: str, terms: list[str], limit: int, sources: list[str]
    ) -> list[tuple[int, float]]:
        where = f" AND t.source IN ({','.join('?' * len(sources))})" if sources else ""
        rows = self._sql(
            f"WITH hits AS MATERIALIZED (SELECT t.item_id, bm25({index}) AS score "
            f"FROM {index} JOIN texts t ON t.id={index}.rowid WHERE {index} MATCH ?{where}) "
            "SELECT item_id, MIN(score) AS best FROM hits GROUP BY item_id "
            "ORDER BY best, item_id LIMIT ?",
            (fts_query(terms), *sources, limit),
        )
        return [(int(i), float(s)) for i, s in rows]

    def keyword_hits(
        self, terms: Sequence[str], limit: int, *, substring: bool = False
    ) -> list[tuple[int, str, float]]:
        """(item id, text source, BM25; lower is better) of present items whose texts hold
        every term (a term may be a phrase), best first, one row per item and source.

        ``substring`` asks the trigram index (terms of three characters or more), which finds
        words that OCR glued to their neighbours ("PARKING2024").
        """
        index = SUBSTRING_INDEX if substring else WORD_INDEX
        terms = [t for t in terms if len(t) >= TRIGRAM] if substring else list(terms)
        if not terms:
            return []
        rows = self._sql(
            f"WITH hits AS MATERIALIZED (SELECT t.item_id, t.source, bm25({index}) AS score "
            f"FROM {index} JOIN texts t ON t.id={index}.rowid {_PRESENT} WHERE {index} MATCH ?) "
            "SELECT item_id, source, MIN(score) AS best FROM hits GROUP BY item_id, source "
            "ORDER BY best, item_id LIMIT ?",
            (fts_query(terms), limit),
        )
        return [(int(i), str(s), float(b)) for i, s, b in rows]


def _dumps(meta: dict[str, Any] | None) -> str | None:
    return None if meta is None else json.dumps(meta, separators=(",", ":"))
