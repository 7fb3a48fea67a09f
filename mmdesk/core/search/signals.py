"""The signals of hybrid search, each turning a query into a :class:`~fusion.Signal`.

Every signal scores on the visual cosine's scale, so fusion can compare them: the visual space
gives cosines, the texts' sentence embeddings give cosines too, and a keyword hit scores like a
strong visual match (BM25 values mean nothing across queries, so only their order within the
query counts).
"""

from __future__ import annotations

import numpy as np

from mmdesk.core.search.fusion import Signal, Weights
from mmdesk.core.vector_index import VectorIndex
from mmdesk.store import Store
from mmdesk.store.text_vectors import TextVectors
from mmdesk.store.vectors import normalise

# Why an item matched, by the source of the text that matched.
SOURCE_REASONS = {
    "caption": "caption",
    "ocr": "text in image",
    "transcript": "spoken",
    "user": "note",
}
KEYWORD_TOP = 0.65  # the best keyword hit of a query
KEYWORD_SPAN = 0.1  # the weakest word hit scores this much less
SUBSTRING_SCORE = 0.5  # a hit inside a longer (glued) word only
EVERYTHING = 1_000_000


def visual_signal(
    index: VectorIndex,
    vector: np.ndarray,
    pool: int,
    allowed: np.ndarray | None,
    weights: Weights,
    name: str = "visual",
) -> Signal:
    """A space's top ``pool``; those within ``visual_match`` of the best matched. The visual
    space's signal, or (``name="sound"``) a sound space's that can embed the query."""
    ids, scores = index.search_ids(vector, pool, allowed)
    signal = Signal(name, dict(zip(ids.tolist(), scores.tolist(), strict=True)))
    best = float(scores.max()) if len(scores) else 0.0
    if best > 0:
        floor = best * weights.visual_match
        signal.matched = {i: [name] for i, s in signal.scores.items() if s >= floor}
    return signal


def text_signal(vectors: TextVectors, query: np.ndarray, pool: int, weights: Weights) -> Signal:
    """Items whose texts are nearest the query in the text space (best text per item); a text
    at or above ``text_match`` is a match, named by its source."""
    signal = Signal("text")
    if not len(vectors.text_ids):
        return signal
    sims = vectors.matrix @ normalise(np.asarray(query, np.float32).reshape(1, -1))[0]
    top = min(len(sims), pool * 4)
    rows = np.argpartition(-sims, top - 1)[:top]
    for row in rows[np.argsort(-sims[rows], kind="stable")]:
        item, sim = int(vectors.item_ids[row]), float(sims[row])
        if item not in signal.scores and len(signal.scores) >= pool:
            continue
        signal.scores[item] = max(signal.scores.get(item, sim), sim)
        reason = SOURCE_REASONS.get(str(vectors.sources[row]), "text")
        if sim >= weights.text_match and reason not in signal.matched.get(item, []):
            signal.matched.setdefault(item, []).append(reason)
    return signal


def keyword_signal(store: Store, terms: list[str], pool: int) -> Signal:
    """Items whose texts hold every term: whole words first (ranked by BM25), then substrings
    of glued words; every hit is a match, named by the sources it was found in."""
    signal = Signal("keyword")
    words = store.keyword_hits(terms, pool)
    best = min((bm for _, _, bm in words), default=0.0)
    for item, source, bm in words:
        strength = bm / best if best < 0 else 1.0
        _hit(signal, item, source, KEYWORD_TOP - KEYWORD_SPAN * (1.0 - strength))
    for item, source, _ in store.keyword_hits(terms, pool, substring=True):
        _hit(signal, item, source, SUBSTRING_SCORE)
    return signal


def _hit(signal: Signal, item: int, source: str, score: float) -> None:
    signal.scores[item] = max(signal.scores.get(item, score), score)
    reasons = signal.matched.setdefault(item, [])
    reason = SOURCE_REASONS.get(source, "text")
    if reason not in reasons:
        reasons.append(reason)


def items_holding(store: Store, term: str, *, substrings: bool = True) -> set[int]:
    """Every present item whose texts hold ``term`` (as a word, or inside a glued word)."""
    found = {i for i, _, _ in store.keyword_hits([term], EVERYTHING)}
    if substrings:
        found |= {i for i, _, _ in store.keyword_hits([term], EVERYTHING, substring=True)}
    return found
