"""Texts of items (captions, OCR, transcripts, a person's notes) and searching them.

Search quotes every term, so ``cat's`` or ``red-toy`` are words, not FTS5 syntax; it ranks
with BM25 and falls back to a trigram index for substrings (OCR glues words together).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from mmdesk.kinds import TEXT_SOURCES
from mmdesk.store.base import StoreBase

WORD_INDEX, SUBSTRING_INDEX = "texts_fts", "texts_tri"
TRIGRAM = 3


def fts_terms(query: str) -> list[str]:
    """The whitespace-separated terms of a person's query."""
    return [t for t in query.split() if any(c.isalnum() for c in t)]


def fts_query(terms: Iterable[str]) -> str:
    """An FTS5 query that matches every term literally (each one a quoted string)."""
    return " ".join('"' + t.replace('"', '""') + '"' for t in terms)


class TextsMixin(StoreBase):
    """Add, read and search texts."""

    def add_text(
        self,
        item_id: int,
        source: str,
        text: str,
        *,
        producer: str | None = None,
        lang: str | None = None,
    ) -> int:
        """Attach a text to an item; returns its id. ``source`` is one of kinds.TEXT_SOURCES."""
        if source not in TEXT_SOURCES:
            raise ValueError(f"unknown text source {source!r}: choose from {TEXT_SOURCES}")
        with self._write():
            cur = self._sql(
                "INSERT INTO texts(item_id, source, producer, lang, text, created_at) "
                "VALUES (?,?,?,?,?,?)",
                (item_id, source, producer, lang, text, time.time()),
            )
        return int(cur.lastrowid or 0)

    def texts_for(self, item_id: int) -> list[dict[str, Any]]:
        """The item's texts in the order they were added."""
        rows = self.query(
            "SELECT source, producer, lang, text FROM texts WHERE item_id=? ORDER BY id",
            (item_id,),
        )
        return [dict(r) for r in rows]

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
