"""Hybrid search: one query against the visual space, the texts' sentence embeddings and the
keyword index, fused into one ranking where each result says why it matched.

With no texts in the library (or none that match) the result is the visual search's, scores
and order unchanged.
"""

from __future__ import annotations

import dataclasses
import threading

import numpy as np

from mmdesk.core.search import people, signals
from mmdesk.core.search.filters import Filters
from mmdesk.core.search.fusion import Signal, Weights, fuse
from mmdesk.core.search.query import ParsedQuery, parse_query
from mmdesk.core.search.results import Result
from mmdesk.core.search.vector import Searcher, SoundSearcher
from mmdesk.errors import MmdeskError
from mmdesk.plugins.specs import EncoderSpec
from mmdesk.store import Store
from mmdesk.store.text_vectors import TextVectors
from mmdesk.store.vectors import normalise

POOL = 100  # each signal's candidates: at least this many, or four times the limit


class HybridSearcher:
    """Answers queries for one library; caches the text vectors until the store changes.

    Args:
        visual: the active image space's searcher (its index and query encoder).
        text_encoder: the active text space's encoder, or None when there is none.
        weights: how the signals count (the ``search.weights`` setting).
    """

    def __init__(
        self,
        visual: Searcher,
        text_encoder: EncoderSpec | None,
        weights: Weights,
        sound: SoundSearcher | None = None,
    ) -> None:
        self.visual = visual
        self.sound = sound if sound is not None and sound.embeds_text else None
        self.store = visual.store
        self.text_encoder = text_encoder
        self.weights = weights
        self._texts: TextVectors | None = None
        self._generation = -1
        self._lock = threading.Lock()

    def search(self, query: str, filters: Filters | None = None) -> list[Result]:
        """Results for what a person typed, best first (or newest first by ``filters.sort``)."""
        if not query.strip():
            raise MmdeskError("type something to search for")
        parsed = parse_query(query)
        wanted = merged(filters or Filters(), parsed)
        if parsed.empty:
            rows = self.store.browse(wanted.item_filter(), wanted.limit)
            return with_snippets(self.store, [Result.from_row(row) for row in rows])
        pool = max(POOL, 4 * wanted.limit)
        allowed = self._allowed(parsed, wanted)
        fused = fuse(self._signals(parsed, pool, allowed), self.weights)
        return self._results(fused, allowed, wanted)

    def _signals(self, parsed: ParsedQuery, pool: int, allowed: set[int] | None) -> list[Signal]:
        found: list[Signal] = []
        terms = [*parsed.terms, *parsed.required]
        if not parsed.keywords_only:
            vector = self.visual.text_vector(parsed.text)
            index = self.visual.index()
            found.append(signals.visual_signal(index, vector, pool, _ids(allowed), self.weights))
            found.append(self._people_signal(vector, found[0], allowed))
            found.append(self._text_signal(parsed.text, vector, pool))
            if self.sound is not None:
                found.append(self._sound_signal(parsed.text, pool, allowed))
        if terms:
            found.append(signals.keyword_signal(self.store, terms, pool))
        return found

    def _text_signal(self, text: str, visual_vector: np.ndarray, pool: int) -> Signal:
        """Sentence similarity to the items' texts, in the active text space."""
        spec = self.text_encoder
        texts = self.text_vectors()
        if spec is None or texts is None or not len(texts.text_ids):
            return Signal("text")
        same = spec.id == self.visual.space.encoders.get("text", spec).id
        encoder = self.visual.registry.encoder(spec.id)
        vector = visual_vector if same else np.asarray(encoder.encode_texts([text])[0])
        return signals.text_signal(texts, vector, pool, self.weights)

    def _people_signal(
        self, vector: np.ndarray, visual: Signal, allowed: set[int] | None
    ) -> Signal:
        """Photos with faces, for a query about people (see :mod:`core.search.people`)."""
        spec = self.visual.space.encoders.get("text")
        if spec is None:
            return Signal(people.NAME)
        encoder = self.visual.registry.encoder(spec.id)
        prompts = people.prompt_vectors(spec.id, encoder.encode_texts)
        return people.people_signal(self.store, vector, prompts, visual=visual, allowed=allowed)

    def _sound_signal(self, text: str, pool: int, allowed: set[int] | None) -> Signal:
        """Sounds near the query in a sound space that embeds text (e.g. CLAP)."""
        assert self.sound is not None
        index = self.sound.index()
        if not len(index):
            return Signal("sound")
        vector = self.sound.text_vector(text)
        return signals.visual_signal(index, vector, pool, _ids(allowed), self.weights, name="sound")

    def text_vectors(self) -> TextVectors | None:
        """The present items' text vectors (normalised), reloaded when the store changed."""
        if self.text_encoder is None:
            return None
        generation = self.store.generation()
        with self._lock:
            if self._texts is None or generation != self._generation:
                loaded = self.store.load_text_vectors(self.text_encoder.id, self.text_encoder.dim)
                matrix = normalise(loaded.matrix)
                self._texts = dataclasses.replace(loaded, matrix=matrix)
                self._generation = generation
            return self._texts

    def _allowed(self, parsed: ParsedQuery, wanted: Filters) -> set[int] | None:
        """Items the filters, ``text:`` terms and ``-`` terms leave (None: all of them)."""
        allowed: set[int] | None = None
        if wanted.narrows:
            allowed = set(self.store.filtered_item_ids(wanted.item_filter()).tolist())
        for term in parsed.required:
            holding = signals.items_holding(self.store, term)
            allowed = holding if allowed is None else allowed & holding
        excluded: set[int] = set()
        for term in parsed.exclude:
            excluded |= signals.items_holding(self.store, term, substrings=False)
        if excluded:
            allowed = (allowed if allowed is not None else self._every_item()) - excluded
        return allowed

    def _every_item(self) -> set[int]:
        return set(self.store.filtered_item_ids(Filters().item_filter()).tolist())

    def _results(
        self, fused: list[tuple[int, float, list[str]]], allowed: set[int] | None, wanted: Filters
    ) -> list[Result]:
        kept = [
            (item, score, why)
            for item, score, why in fused
            if (allowed is None or item in allowed)
            and (wanted.min_score is None or score >= wanted.min_score)
        ][: wanted.limit]
        info = self.store.items_info([item for item, _, _ in kept])
        results = with_snippets(
            self.store,
            [
                Result.from_row(info[item], score).because(why)
                for item, score, why in kept
                if item in info
            ],
        )
        if wanted.sort == "date":
            results.sort(key=lambda r: r.dated, reverse=True)
        return results


def with_snippets(store: Store, results: list[Result]) -> list[Result]:
    """Results with the words said in each transcript segment among them."""
    timed = [r.item_id for r in results if r.kind == "audio_segment" and r.start is not None]
    if not timed:
        return results
    said = store.snippets(timed)
    return [
        dataclasses.replace(r, snippet=said[r.item_id]) if r.item_id in said else r for r in results
    ]


def merged(filters: Filters, parsed: ParsedQuery) -> Filters:
    """The filters with those typed in the query added (typed dates win over given ones)."""
    return dataclasses.replace(
        filters,
        tags=[*filters.tags, *(t for t in parsed.tags if t not in filters.tags)],
        kinds=[*filters.kinds, *(k for k in parsed.kinds if k not in filters.kinds)],
        after=parsed.after or filters.after,
        before=parsed.before or filters.before,
    )


def _ids(allowed: set[int] | None) -> np.ndarray | None:
    """An allowed set as the sorted int64 ids an index searches within."""
    return None if allowed is None else np.unique(np.fromiter(allowed, np.int64, len(allowed)))
