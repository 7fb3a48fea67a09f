"""Fusion for hybrid search: combine what the visual space, the texts' sentence embeddings and
the keyword index say about a query.

:func:`rrf` fuses plain rankings; :func:`fuse` fuses scores (what search uses), because RRF's
scores (``1/(k+rank)``) are nearly flat and would make the GUI's relative cutoff keep or drop
everything regardless of how well a result matched.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields


def rrf(rankings: Sequence[Sequence[int]], k: int = 60) -> list[tuple[int, float]]:
    """Reciprocal rank fusion (Cormack et al., 2009): each list gives ``1 / (k + rank)`` to
    its items; items are returned best first with their fused score. Ties keep first-seen
    order, so the result is deterministic."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    order = {item: n for n, item in enumerate(scores)}
    return sorted(scores.items(), key=lambda kv: (-kv[1], order[kv[0]]))


@dataclass(frozen=True)
class Weights:
    """How much each signal counts, read from the library's ``search.weights`` setting.

    Attributes:
        visual, text, keyword, sound, people: multiply each signal's score (sound: a text
            query in a sound space that can embed text, such as a CLAP model; people: photos
            with faces for a query about people).
        bonus: the share of each further signal's score that an item matching in more than
            one signal gets on top of its best one.
        visual_match, text_match: when a signal's score says "matched" (see the fields).
    """

    visual: float = 1.0
    text: float = 1.0
    keyword: float = 1.0
    sound: float = 1.0
    people: float = 1.0
    bonus: float = 0.25
    visual_match: float = 0.75  # a visual score counts as a match from this share of the best
    text_match: float = 0.35  # a text's sentence similarity counts as a match from here

    @classmethod
    def from_json(cls, raw: str | None) -> Weights:
        """Weights from the saved JSON object; unknown keys or bad values keep the defaults."""
        try:
            given = json.loads(raw) if raw else {}
        except ValueError:
            return cls()
        names = {f.name for f in fields(cls)}
        picked = {
            k: float(v)
            for k, v in (given.items() if isinstance(given, dict) else [])
            if k in names and isinstance(v, int | float) and math.isfinite(v) and v >= 0
        }
        return cls(**picked)


@dataclass
class Signal:
    """One signal's view of the query: a score per item on a cosine-like scale, and the items
    it really matched with the reasons to show ("visual", "caption", "text in image", ...)."""

    name: str
    scores: dict[int, float] = field(default_factory=dict)
    matched: dict[int, list[str]] = field(default_factory=dict)


def fuse(signals: Sequence[Signal], weights: Weights) -> list[tuple[int, float, list[str]]]:
    """Score fusion that keeps scores in the visual cosine's range, so the GUI's cutoff (a share
    of the best score) stays meaningful. An item scores its visual cosine, or its best weighted
    signal that really *matched* if that is higher, plus ``weights.bonus`` times each other
    matched signal. A signal that did not match never lifts an item (a label-based caption that
    is merely near the query must not outrank the picture that shows it). An item seen only
    visually keeps its cosine exactly; one matching in two signals beats one matching in one.
    Items come best first with their reasons; ties keep first-seen order."""
    per_item: dict[int, list[tuple[str, float, bool]]] = {}
    reasons: dict[int, list[str]] = {}
    for signal in signals:
        weight = getattr(weights, signal.name, 1.0)
        for item, score in signal.scores.items():
            hit = item in signal.matched
            per_item.setdefault(item, []).append((signal.name, weight * score, hit))
            for reason in signal.matched.get(item, []) if hit else []:
                if reason not in reasons.setdefault(item, []):
                    reasons[item].append(reason)
    order = {item: n for n, item in enumerate(per_item)}
    fused = [(i, _combine(v, weights.bonus), reasons.get(i, [])) for i, v in per_item.items()]
    return sorted(fused, key=lambda x: (-x[1], order[x[0]]))


def _combine(values: list[tuple[str, float, bool]], bonus: float) -> float:
    """The visual value or the best matched one, plus ``bonus`` times every other match."""
    visual = max((v for name, v, _ in values if name == "visual"), default=0.0)
    matched = sorted((v for _, v, hit in values if hit), reverse=True)
    if matched and matched[0] > visual:
        return matched[0] + bonus * sum(matched[1:])
    return visual + bonus * sum(v for name, v, hit in values if hit and name != "visual")
