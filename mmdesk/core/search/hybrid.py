"""Hybrid search: one query against the visual space, the texts' sentence embeddings and the
keyword index, fused into one ranking where each result says why it matched.

With no texts in the library (or none that match) the result is the visual search's, scores
and order unchanged.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable

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
        holding, excluded = self._terms(parsed)
        if wanted.narrows and self.visual.facets.ready:
            # A big space: its facets answer the kind and date filters as masks (SQL would
            # read every file), for its own items only; the fused candidates of every signal
            # are then checked against the filters one by one.
            allowed = _narrowed(self.visual.allowed_ids(wanted), holding, excluded, None)
            sound = self.sound.allowed_ids(wanted) if self.sound is not None else None
            sound = _narrowed(sound, holding, excluded, None)
            fused = fuse(self._signals(parsed, pool, allowed, sound), self.weights)
            among = self.store.filtered_among(wanted.item_filter(), [f[0] for f in fused])
            return self._results(fused, _narrowed(among, holding, excluded, None), wanted)
        every = self._every_item if excluded is not None else None
        filtered = self.store.filtered_item_ids(wanted.item_filter()) if wanted.narrows else None
        allowed = _narrowed(filtered, holding, excluded, every)
        fused = fuse(self._signals(parsed, pool, allowed, allowed), self.weights)
        return self._results(fused, allowed, wanted)

    def _signals(
        self,
        parsed: ParsedQuery,
        pool: int,
        allowed: np.ndarray | None,
        sound: np.ndarray | None,
    ) -> list[Signal]:
        found: list[Signal] = []
        terms = [*parsed.terms, *parsed.required]
        if not parsed.keywords_only:
            vector = self.visual.text_vector(parsed.text)
            index = self.visual.index()
            found.append(signals.visual_signal(index, vector, pool, allowed, self.weights))
            found.append(self._people_signal(vector, found[0], allowed))
            found.append(self._text_signal(parsed.text, vector, pool))
            if self.sound is not None:
                found.append(self._sound_signal(parsed.text, pool, sound))
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
        self, vector: np.ndarray, visual: Signal, allowed: np.ndarray | None
    ) -> Signal:
        """Photos with faces, for a query about people (see :mod:`core.search.people`)."""
        spec = self.visual.space.encoders.get("text")
        if spec is None:
            return Signal(people.NAME)
        encoder = self.visual.registry.encoder(spec.id)
        prompts = people.prompt_vectors(spec.id, encoder.encode_texts)
        if people.aboutness(vector, prompts)[0] < people.MIN_STRENGTH:
            return Signal(people.NAME)  # not about people: no set of the allowed items made
        members = None if allowed is None else set(allowed.tolist())
        return people.people_signal(self.store, vector, prompts, visual=visual, allowed=members)

    def _sound_signal(self, text: str, pool: int, allowed: np.ndarray | None) -> Signal:
        """Sounds near the query in a sound space that embeds text (e.g. CLAP)."""
        assert self.sound is not None
        index = self.sound.index()
        if not len(index):
            return Signal("sound")
        vector = self.sound.text_vector(text)
        return signals.visual_signal(index, vector, pool, allowed, self.weights, name="sound")

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

    def _terms(self, parsed: ParsedQuery) -> tuple[np.ndarray | None, np.ndarray | None]:
        """(the items holding every ``text:`` term, the items holding a ``-`` term), sorted
        ids; None where the query has no such term."""
        holding: np.ndarray | None = None
        for term in parsed.required:
            found = _ids(signals.items_holding(self.store, term))
            holding = found if holding is None else holding[_members_at(holding, found)]
        excluded: set[int] = set()
        for term in parsed.exclude:
            excluded |= signals.items_holding(self.store, term, substrings=False)
        return holding, _ids(excluded) if excluded else None

    def _every_item(self) -> np.ndarray:
        return self.store.filtered_item_ids(Filters().item_filter())

    def _results(
        self,
        fused: list[tuple[int, float, list[str]]],
        allowed: np.ndarray | None,
        wanted: Filters,
    ) -> list[Result]:
        passing = _members([item for item, _, _ in fused], allowed)
        kept = [
            (item, score, why)
            for (item, score, why), ok in zip(fused, passing, strict=True)
            if ok and (wanted.min_score is None or score >= wanted.min_score)
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
        if wanted.date_order:
            results.sort(key=lambda r: r.dated, reverse=wanted.date_order == "newest")
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


def _ids(items: set[int]) -> np.ndarray:
    """A set of item ids as sorted int64 ids."""
    return np.sort(np.fromiter(items, np.int64, len(items)))


def _members(items: list[int], allowed: np.ndarray | None) -> list[bool]:
    """Whether each item is among the sorted ``allowed`` ids (None: all are)."""
    if allowed is None:
        return [True] * len(items)
    if not len(allowed):
        return [False] * len(items)
    wanted = np.asarray(items, np.int64)
    at = np.minimum(np.searchsorted(allowed, wanted), len(allowed) - 1)
    return (allowed[at] == wanted).tolist()


def _narrowed(
    allowed: np.ndarray | None,
    holding: np.ndarray | None,
    excluded: np.ndarray | None,
    every: Callable[[], np.ndarray] | None,
) -> np.ndarray | None:
    """Sorted ids of the ``allowed`` items (None: all; ``every()`` lists them when a term
    excludes some, else the exclusion waits for the candidates) that hold the ``text:``
    terms and no ``-`` term. Arrays, not sets: a filter can leave most of a million items."""
    if holding is not None:
        allowed = holding if allowed is None else allowed[_members_at(allowed, holding)]
    if excluded is not None and allowed is None and every is not None:
        allowed = every()
    if excluded is not None and allowed is not None:
        allowed = np.delete(allowed, _members_at(allowed, excluded))
    return allowed


def _members_at(ids: np.ndarray, some: np.ndarray) -> np.ndarray:
    """Positions in sorted ``ids`` of those also in sorted ``some``: each of ``some`` looked
    up, not all of ``ids`` hashed or sorted again (a filter can leave a million)."""
    if not len(ids) or not len(some):
        return np.zeros(0, np.int64)
    at = np.minimum(np.searchsorted(ids, some), len(ids) - 1)
    return np.asarray(at[ids[at] == some], np.int64)
