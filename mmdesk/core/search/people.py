"""The people signal of hybrid search: photos with faces for queries about people.

ImageNet-trained spaces have no person class, so "people" or "a portrait" find little by
picture alone. A query is *about people* when its text embedding is near one of a few people
prompts (:data:`PROMPTS`), embedded by the same text encoder: measured similarity, not words.
With the default MiniLM encoder the people queries we tried scored 0.51-1.0 against their
nearest prompt ("a girl" 0.51, "a man with a camera" 0.60, "kids playing" 0.71) and other
queries 0.25-0.52 ("a red car" 0.29, "a house" 0.40, "a camera" 0.52, against "a selfie");
the strength ramps from :data:`THRESHOLD` to 1 at :data:`FULL`, and under
:data:`MIN_STRENGTH` the signal stays silent. "wedding guests" (0.39) and "a boy" (0.43) are
missed: a sharper text space does better.

The nearest prompt also says which photos fit: a group wants several faces, a portrait or a
selfie one large face, "a man" any face. Scores are on the visual cosine's scale: the query's
best visual score (or :data:`TOP` without one) times the strength, times 1 plus :data:`LIFT`
times the fit: a query only about people puts every photo with faces first, those that fit
best at the top. A query about people *and*
something else ("a man with a camera") has a weaker strength, so the faces only add a bonus
to the pictures that match the rest visually.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from mmdesk.core.search.fusion import Signal
from mmdesk.store.vectors import normalise

if TYPE_CHECKING:
    from mmdesk.store import Store

NAME = "people"
THRESHOLD, FULL, MIN_STRENGTH = 0.5, 0.8, 0.1
TOP = 0.65  # the reference score without a visual signal (a strong keyword hit's)
LIFT = 0.2  # at full strength, a photo with faces scores the best visual score times 1..1.2

Stats = tuple[int, float, float]  # faces, largest face's area share, all faces' area share


def _group(stats: Stats) -> float:
    count = stats[0]
    return 0.5 + 0.5 * min(1.0, (count - 1) / 2)


def _crowd(stats: Stats) -> float:
    return min(1.0, 0.2 + 0.8 * (stats[0] - 1) / 4)


def _portrait(stats: Stats) -> float:
    count, largest, _ = stats
    return (0.4 + 0.6 * min(1.0, largest / 0.08)) * (1.0 if count <= 2 else 0.6)


def _anyone(stats: Stats) -> float:
    return 0.7 + 0.3 * min(1.0, stats[1] / 0.05)


# Each prompt and how well a photo's faces suit it, in [0, 1].
PROMPTS: dict[str, Callable[[Stats], float]] = {
    "a person": _anyone,
    "people": _group,
    "a man": _anyone,
    "a woman": _anyone,
    "a face": _portrait,
    "a group of people": _group,
    "a portrait": _portrait,
    "a selfie": _portrait,
    "a crowd": _crowd,
    "children": _anyone,
}

Embed = Callable[[list[str]], np.ndarray]
_cache: dict[str, np.ndarray] = {}
_lock = threading.Lock()


def prompt_vectors(encoder_id: str, embed: Embed) -> np.ndarray:
    """The prompts' unit vectors by one text encoder (embedded once per encoder)."""
    with _lock:
        if encoder_id not in _cache:
            _cache[encoder_id] = normalise(np.asarray(embed(list(PROMPTS)), np.float32))
        return _cache[encoder_id]


def aboutness(query: np.ndarray, prompts: np.ndarray) -> tuple[float, str]:
    """(strength in [0, 1], nearest prompt): how much the query is about people."""
    sims = prompts @ normalise(np.asarray(query, np.float32).reshape(1, -1))[0]
    best = int(np.argmax(sims))
    strength = float(np.clip((sims[best] - THRESHOLD) / (FULL - THRESHOLD), 0.0, 1.0))
    return strength, list(PROMPTS)[best]


def people_signal(
    store: Store,
    query: np.ndarray,
    prompts: np.ndarray,
    *,
    visual: Signal | None = None,
    allowed: set[int] | None = None,
) -> Signal:
    """Photos with faces, scored for a query about people; empty for any other query.

    Args:
        store: the library's store (faces per item).
        query: the query's vector by the text encoder that embedded ``prompts``.
        prompts: :func:`prompt_vectors` of that encoder.
        visual: the query's visual signal, whose best score sets the scale.
        allowed: only these items (None: every present item).
    """
    signal = Signal(NAME)
    strength, prompt = aboutness(query, prompts)
    if strength < MIN_STRENGTH or store.get_setting("faces", "on") == "off":
        return signal
    best = max(visual.scores.values(), default=0.0) if visual is not None else 0.0
    scale = (best if best > 0 else TOP) * strength
    fit = PROMPTS[prompt]
    for item, stats in store.face_stats().items():
        if allowed is None or item in allowed:
            signal.scores[item] = scale * (1.0 + LIFT * fit(stats))
            signal.matched[item] = [NAME]
    return signal
