"""Search: by text across modalities, by example, and by keywords, with filters.

- ``query``: :func:`parse_query`, the search box's syntax -> :class:`ParsedQuery`
- ``filters``: :class:`Filters`, validated once for every front end (``dates``: date bounds)
- ``results``: :class:`Result`, with ``matched``: why it was found
- ``vector``: :class:`Searcher`, nearest neighbours in one embedding space
- ``signals``: visual, sentence-embedding and keyword signals of one query
- ``fusion``: score fusion (:func:`fuse`, :class:`Weights`) and reciprocal-rank fusion
- ``hybrid``: :class:`HybridSearcher`, every signal of a query fused
"""

from mmdesk.core.search.filters import Filters
from mmdesk.core.search.fusion import Weights
from mmdesk.core.search.hybrid import HybridSearcher
from mmdesk.core.search.query import ParsedQuery, parse_query
from mmdesk.core.search.results import Result, group_moments
from mmdesk.core.search.vector import Searcher

__all__ = [
    "group_moments",
    "Filters",
    "HybridSearcher",
    "ParsedQuery",
    "Result",
    "Searcher",
    "Weights",
    "parse_query",
]
