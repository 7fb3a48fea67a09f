"""An honest "no good matches": whether a query's best score means anything in this library.

A nearest-neighbour search always returns something, and a cutoff relative to the best hit keeps
the top few however poor they are, so made-up words ("xqzzyv") came back with three confident
results. Relative rules cannot fix that: the spread of scores under a nonsense query looks like
that under a real caption. What separates them is the *absolute* best score compared with what
nonsense reaches in the same library and space: each space has its own scale (ConSE vectors are
averages of label texts, so any text scores 0.2-0.3 against them), and each library its own
content. So the floor is the best score that a fixed list of made-up queries reach among this
library's vectors, plus a margin; it is cached per (library, space) and recomputed when the
store's change counter moves.

A second check reads the query itself with the text model's tokenizer: words it knows whole are
content; words it can only spell in pieces ("blorft" -> ``b ##lor ##ft``) may be rare real words
("espresso" is spelt ``es ##press ##o``), so a query made only of them must clear a higher floor;
a query of only little words ("the of and") or of no words at all ("##ing") has nothing for the
model to match and is refused whatever it scores (its keyword hits are on the stop words).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from mmdesk.core.search.query import parse_query
from mmdesk.errors import MmdeskError

if TYPE_CHECKING:
    from mmdesk.core.library import Library
    from mmdesk.plugins.specs import EncoderSpec

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
    """The tokenizer spells ``word`` as one token of its own (a single letter is a piece)."""
    return len(word) > 1 and len(tokenizer.encode(word, add_special_tokens=False).ids) == 1


_tokenizers: dict[str, Any] = {}


def _tokenizer(spec: EncoderSpec) -> Any | None:
    """The text encoder's ``tokenizers`` object (None for other tokenizer kinds)."""
    cfg = spec.tokenizer
    if cfg.get("kind", "hf") != "hf":
        return None
    path = spec.folder / str(cfg.get("file", "tokenizer.json"))
    key = str(path)
    if key not in _tokenizers:
        try:
            from tokenizers import Tokenizer

            _tokenizers[key] = Tokenizer.from_file(key)
        except Exception:  # an unreadable file: the encoder itself reports it
            _tokenizers[key] = None
    return _tokenizers[key]


class _Floors:
    """The calibrated floor per (library, space), kept until the store's change counter moves
    or the text model's file changes, and the nonsense queries' vectors per text model."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._floors: dict[tuple[str, str], tuple[tuple[Any, ...], float | None]] = {}
        self._vectors: dict[tuple[Any, ...], np.ndarray] = {}

    def floor(self, library: Library, spec: EncoderSpec) -> float | None:
        """The best nonsense score in the library plus :data:`MARGIN`; None: too few items."""
        space = library.space()
        key = (str(library.settings.db_path), space.id)
        version = (library.store.generation(), *_model_key(spec))
        with self._lock:
            cached = self._floors.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]
        matrix = library.searcher().index().matrix
        found = None
        if len(matrix) >= MIN_ITEMS:
            found = nonsense_floor(matrix, self.vectors(library, spec))
        with self._lock:
            self._floors[key] = (version, found)
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
