"""An honest "no good matches": whether a query's best score means anything in this library.

A nearest-neighbour search always returns something, and a cutoff relative to the best hit keeps
the top few however poor they are, so made-up words ("xqzzyv") came back with three confident
results. Relative rules cannot fix that: the spread of scores under a nonsense query looks like
that under a real caption. What separates them is the *absolute* best score compared with what
nonsense reaches in the same library and space: each space has its own scale (ConSE vectors are
averages of label texts, so any text scores 0.2-0.3 against them), and each library its own
content. So the floor is the best score that a fixed list of made-up queries reach among this
library's vectors, plus a margin.

The floor is kept per (library, space, text model), in the process and in
``<cache dir>/calibration.json`` so that a one-shot ``mmdesk search`` neither encodes the
made-up queries nor reads a big space's sample again. It is taken afresh when the text model's
file changes, and when the library's vectors change: for a space searched exactly (up to 20,000
vectors, all in memory, so taking it costs one small matrix product) whenever the store's change
counter moves; for a space behind an ANN index, whose floor is taken on a sample of 20,000 rows
anyway, once its number of vectors has moved by more than :data:`DRIFT` of it (a few new photos
in a million do not move the best of 16 scores on a sample, while reading the sample costs a
one-shot query as much as its model).

A second check reads the query itself with the text model's tokenizer (the encoder's own object,
so a process reads the tokenizer file once): words it knows whole are content; words it can
only spell in pieces ("blorft" -> ``b ##lor ##ft``) may be rare real words ("espresso" is spelt
``es ##press ##o``), so a query made only of them must clear a higher floor; a query of only
little words ("the of and") or of no words at all ("##ing") has nothing for the model to match
and is refused whatever it scores (its keyword hits are on the stop words).
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mmdesk.core.search.query import parse_query
from mmdesk.core.vector_index import ExactIndex
from mmdesk.errors import MmdeskError

if TYPE_CHECKING:
    from mmdesk.core.library import Library
    from mmdesk.plugins.specs import EncoderSpec

log = logging.getLogger(__name__)
# Made-up words of several shapes: consonant runs, pronounceable inventions, pairs of them,
# keyboard runs. The floor is the best any reaches, so adding shapes only makes it stricter.
NONSENSE = (
    "zxqv",
    "pfrwk",
    "qwrtpz",
    "zzkkv",
    "blimtrox",
    "snorfle",
    "wuzzimab",
    "quorbent",
    "glemphy",
    "trandolix",
    "mimzor",
    "flombi drazzet",
    "vark plindum",
    "zeebo mortlex",
    "grubnif tolp",
    "asdfgh jkl",
)
MARGIN = 0.02  # above the best nonsense score
PIECES_MARGIN = 0.04  # further, for a query whose every word the tokenizer only spells in pieces
MIN_ITEMS = 5  # fewer vectors than this: nothing to calibrate, every query passes
DRIFT = 0.02  # an ANN-indexed space keeps its floor until its vector count moves by more
CACHE_FILE = "calibration.json"  # in the cache folder: floors for one-shot processes
CACHE_ENTRIES = 64  # (library, space, model) floors kept there, the oldest dropped
# Function words: a query made only of these asks for nothing the model can see.
STOPWORDS = frozenset(
    """a an the and or but nor of in on at to for from by with without about into onto over
    under above below between among through during before after up down out off near than then
    so as if is are was were be been being am do does did done has have had having it its
    this that these those there here where when what which who whom whose why how i me my we us
    our you your he him his she her they them their not no yes all any some each every both
    either neither such same other very too just only also can could will would shall should may
    might must s t""".split()
)
_EDGE = "\"'.,;:!?()[]{}«»“”‘’"  # stripped from a word's ends; '#' is not: "##ing" is a piece
_JOINERS = re.compile(r"[-'’‘.]")  # inside a word: "jack-o'-lantern", "e.g."


@dataclass(frozen=True)
class Verdict:
    """Whether a query's results are worth showing, and why not in words a person understands.

    Attributes:
        ok: show the results.
        best: the best score the query reached (as given to :func:`judge`).
        floor: the score it had to reach (0 where nothing was calibrated).
        reason: one sentence for the empty state ("" when ok and nothing to say).
    """

    ok: bool
    best: float
    floor: float
    reason: str


def judge(library: Library, query: str, best: float) -> Verdict:
    """Whether ``best``, the top score of ``query`` in ``library``'s active image space, is a
    real match rather than what any made-up word reaches there.

    Cheap per query: the floor is cached until the library changes, the nonsense vectors per
    text model, and the content check is one tokenisation.
    """
    parsed = parse_query(query)
    if parsed.empty or parsed.keywords_only:
        return Verdict(True, best, 0.0, "")  # filters or exact words: nothing to judge
    try:
        space = library.space()
        spec = space.encoders["text"]
    except (MmdeskError, KeyError):
        return Verdict(True, best, 0.0, "")
    floor = _floors.floor(library, spec)
    if floor is None:
        return Verdict(True, best, 0.0, "")  # an empty or tiny library: nothing to compare
    return decide(read_words(_tokenizer(spec), parsed.text), best, floor, parsed.text)


def decide(words: str, best: float, floor: float, text: str = "the query") -> Verdict:
    """The rule itself, given what :func:`read_words` said, the best score and the floor."""
    if words == "none":
        return Verdict(False, best, floor, f"'{text}' has no words the model can look for")
    if words == "pieces":
        floor += PIECES_MARGIN
    if best >= floor:
        return Verdict(True, best, floor, "")
    return Verdict(False, best, floor, _weak(best, floor, words))


def _weak(best: float, floor: float, words: str) -> str:
    what = "made-up words reach" if words == "known" else "unfamiliar words must reach"
    places = 2 if round(best, 2) != round(floor, 2) else 3  # never "0.30, below 0.30"
    return (
        f"the best match scores {best:.{places}f}, below {floor:.{places}f} that {what} "
        "in this library"
    )


def read_words(tokenizer: Any | None, text: str) -> str:
    """``"known"``: some word is a content word the tokenizer knows whole; ``"pieces"``: the
    content words are only spelt in word pieces; ``"none"``: only little words or no words.

    Without a tokenizer (a model whose tokenizer is not a ``tokenizers`` file) every content
    word counts as known.
    """
    content = [w for raw in text.split() for w in _words(raw) if w not in STOPWORDS]
    if not content:
        return "none"
    if tokenizer is None or any(_whole(tokenizer, w) for w in content):
        return "known"
    return "pieces"


def _words(raw: str) -> list[str]:
    """The parts of a typed word, lower-cased ("jack-o'-lantern" -> jack, o, lantern); none if
    it is no word at all ("##ing", "!!!")."""
    word = raw.strip(_EDGE).lower()
    parts = [p for p in _JOINERS.split(word) if p]
    return parts if parts and all(p.isalnum() for p in parts) else []


def _whole(tokenizer: Any, word: str) -> bool:
    """The tokenizer spells ``word`` as one token of its own (a single letter is a piece).
    Padding is not counted: the encoder's tokenizer may pad every text to a fixed length."""
    if len(word) < 2:
        return False
    return sum(tokenizer.encode(word, add_special_tokens=False).attention_mask) == 1


def _tokenizer(spec: EncoderSpec) -> Any | None:
    """The text encoder's ``tokenizers`` object (None for other tokenizer kinds)."""
    from mmdesk.plugins.runtimes.tokenizers import vocab_tokenizer

    try:
        return vocab_tokenizer(spec)
    except MmdeskError:  # an unreadable file: the encoder itself reports it
        return None


@dataclass(frozen=True)
class _Taken:
    """A floor and what it was taken on: the store's change counter and the vector count."""

    generation: int
    count: int
    sampled: bool  # taken on a sample (an ANN index): kept while the count stays near
    floor: float | None

    def holds_for(self, generation: int, count: int) -> bool:
        if generation == self.generation:
            return True
        return self.sampled and abs(count - self.count) <= DRIFT * max(self.count, 1)

    def to_json(self) -> dict[str, Any]:
        return {
            "generation": self.generation,
            "count": self.count,
            "sampled": self.sampled,
            "floor": self.floor,
        }

    @classmethod
    def from_json(cls, raw: Any) -> _Taken | None:
        try:
            floor = raw["floor"]
            return cls(
                int(raw["generation"]),
                int(raw["count"]),
                bool(raw["sampled"]),
                None if floor is None else float(floor),
            )
        except (KeyError, TypeError, ValueError):
            return None


class _Floors:
    """The calibrated floor per (library, space, text model), in the process and in the cache
    folder (see the module's docstring for when it is taken afresh), and the nonsense queries'
    vectors per text model."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._floors: dict[str, _Taken] = {}
        self._vectors: dict[tuple[Any, ...], np.ndarray] = {}

    def floor(self, library: Library, spec: EncoderSpec) -> float | None:
        """The best nonsense score in the library plus :data:`MARGIN`; None: too few items."""
        space = library.space()
        key = _floor_key(library.settings.db_path, space.id, _model_key(spec))
        generation = library.store.generation()
        index = library.searcher().index()
        count = len(index)
        with self._lock:
            taken = self._floors.get(key)
        cache = library.settings.cache_dir / CACHE_FILE
        if taken is None or not taken.holds_for(generation, count):
            taken = _read_cached(cache, key)
        if taken is not None and taken.holds_for(generation, count):
            with self._lock:
                self._floors[key] = taken
            return taken.floor
        matrix = index.matrix
        found = None
        if len(matrix) >= MIN_ITEMS:
            found = nonsense_floor(matrix, self.vectors(library, spec))
        taken = _Taken(generation, count, not isinstance(index, ExactIndex), found)
        with self._lock:
            self._floors[key] = taken
        _write_cached(cache, key, taken)
        return found

    def vectors(self, library: Library, spec: EncoderSpec) -> np.ndarray:
        key = _model_key(spec)
        with self._lock:
            cached = self._vectors.get(key)
        if cached is None:
            encoder = library.registry.encoder(spec.id)
            cached = np.asarray(encoder.encode_texts(list(NONSENSE)), np.float32)
            with self._lock:
                self._vectors[key] = cached
        return cached


def _floor_key(db_path: Path, space_id: str, model: tuple[str, str, int]) -> str:
    """One library's space under one text model file. The database file's inode is part of
    it: a library deleted and made again at the same place starts afresh."""
    try:
        inode = os.stat(db_path).st_ino
    except OSError:
        inode = 0
    return json.dumps([str(db_path), inode, space_id, *model])


def _read_cached(path: Path, key: str) -> _Taken | None:
    """The floor kept in the cache file for ``key``, or None (no file, or any trouble)."""
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return _Taken.from_json(entries.get(key)) if isinstance(entries, dict) else None


def _write_cached(path: Path, key: str, taken: _Taken) -> None:
    """Keep ``taken`` in the cache file (written whole, then renamed into place; another
    process writing at the same time may win: the file is a cache)."""
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
        entries = entries if isinstance(entries, dict) else {}
    except (OSError, ValueError):
        entries = {}
    entries.pop(key, None)
    entries[key] = taken.to_json()  # newest last: the oldest are dropped first
    for old in list(entries)[: max(0, len(entries) - CACHE_ENTRIES)]:
        del entries[old]
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(entries), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        log.debug("calibration cache %s not written: %s", path, exc)
        tmp.unlink(missing_ok=True)


def _model_key(spec: EncoderSpec) -> tuple[str, str, int]:
    """A text model by id and file, so a model rebuilt in place is calibrated afresh."""
    model = spec.model_path
    return spec.id, str(model), model.stat().st_mtime_ns if model.exists() else 0


def nonsense_floor(matrix: np.ndarray, nonsense: np.ndarray, margin: float = MARGIN) -> float:
    """The best cosine any nonsense vector reaches among the (unit) rows of ``matrix``, plus
    ``margin``: the score a query must beat to be more than noise in this collection."""
    norms = np.linalg.norm(nonsense, axis=1, keepdims=True)
    unit = nonsense / np.maximum(norms, 1e-12)
    return float((matrix @ unit.T).max()) + margin


_floors = _Floors()
