"""The search box's little language, parsed into a :class:`ParsedQuery`; never an error.

``"quoted phrases"``, ``-word`` or ``-"a phrase"`` to exclude, ``tag:NAME``, ``kind:video``,
``after:2023`` / ``before:2024-06-01`` and ``text:"..."`` (keywords only: the words must be
written in the item's texts). Anything else is plain text: an apostrophe, a hyphen, an
unbalanced quote (the phrase runs to the end), a ``key:value`` with an unknown key or a bad
value, FTS5 operators typed by accident (``AND``, ``NEAR(``, ``*``, ``^``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mmdesk.core.search.dates import is_date
from mmdesk.kinds import FILE_KINDS

# A token: an optional '-', an optional 'key:', then a quoted run or a run without spaces.
_TOKEN = re.compile(r'(-?)(?:([A-Za-z]+):)?(?:"([^"]*)(?:"|$)|(\S+))')
_OPERATORS = frozenset({"AND", "OR", "NOT", "NEAR"})
_FIELDS = ("tag", "kind", "after", "before", "text")


@dataclass(frozen=True)
class ParsedQuery:
    """What a query asks for.

    Attributes:
        text: the plain words and phrases, operators removed: what the vector signals embed.
        terms: keyword terms from the plain text (words and phrases), all of which a keyword
            match needs; a phrase is one term.
        required: ``text:`` terms: every result's texts must hold each of them.
        exclude: ``-`` terms: no result's texts may hold any of them.
        tags, kinds, after, before: filters (``after``/``before`` as typed: YYYY[-MM[-DD]]).
    """

    text: str = ""
    terms: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    after: str | None = None
    before: str | None = None

    @property
    def keywords_only(self) -> bool:
        """Only ``text:`` terms were given: search the texts' words alone."""
        return bool(self.required) and not self.text

    @property
    def empty(self) -> bool:
        """Nothing to match: the query only filters (or is blank)."""
        return not (self.text or self.required)


@dataclass
class _Parts:
    plain: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    required: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    dates: dict[str, str] = field(default_factory=dict)


def parse_query(query: str) -> ParsedQuery:
    """Parse what a person typed; whatever is not syntax stays plain text."""
    parts = _Parts()
    for match in _TOKEN.finditer(query):
        _take(parts, match)
    return ParsedQuery(
        text=" ".join(parts.plain),
        terms=tuple(parts.terms),
        required=tuple(parts.required),
        exclude=tuple(parts.exclude),
        tags=tuple(parts.tags),
        kinds=tuple(parts.kinds),
        after=parts.dates.get("after"),
        before=parts.dates.get("before"),
    )


def _take(parts: _Parts, match: re.Match[str]) -> None:
    """Add one token to ``parts``: a field, an exclusion, or plain text."""
    minus, key, quoted, bare = match.groups()
    value = quoted if quoted is not None else bare
    name = (key or "").lower()
    if key and name in _FIELDS and not minus and _field(parts, name, value.strip()):
        return
    if key:
        value = f"{key}:{value}"  # not syntax after all: keep it whole as plain text
    phrase = quoted is not None and " " in value.strip()
    term = keyword_term(value, phrase=phrase)
    if minus and term:
        parts.exclude.append(term)
        return
    words = value if not minus else f"{minus}{value}"
    if words.strip():
        parts.plain.append(words.strip())
    if term:
        parts.terms.append(term)


def _field(parts: _Parts, name: str, value: str) -> bool:
    """Apply ``name:value``; False when the value does not fit (then it is plain text)."""
    if name == "kind" and value.lower() in FILE_KINDS:
        parts.kinds.append(value.lower())
    elif name == "tag" and value:
        parts.tags.append(value)
    elif name in ("after", "before") and is_date(value):
        parts.dates[name] = value
    elif name == "text" and (term := keyword_term(value, phrase=" " in value)):
        parts.required.append(term)
    else:
        return False
    return True


def keyword_term(value: str, *, phrase: bool = False) -> str:
    """A word (or phrase) as the keyword index matches it: punctuation other than inner
    apostrophes and hyphens becomes a space, FTS operators (``AND``, ``NEAR``) go; '' when
    nothing is left. ``phrase`` keeps every word; else a bare token's words stay together."""
    spaced = "".join(c if c.isalnum() or c in "'-" else " " for c in value)
    words = [w.strip("'-") for w in spaced.split()]
    words = [w for w in words if w and w not in _OPERATORS]
    return " ".join(words) if phrase or words else ""
