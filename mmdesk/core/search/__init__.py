"""Search: by text across modalities, by example, and by keywords, with filters.

- ``filters``: :class:`Filters`, validated once for every front end
- ``results``: :class:`Result`
- ``vector``: :class:`Searcher`, nearest neighbours in one embedding space
- ``fusion``: rank fusion for hybrid (vector + text) search
"""

from mmdesk.core.search.filters import Filters
from mmdesk.core.search.results import Result
from mmdesk.core.search.vector import Searcher

__all__ = ["Filters", "Result", "Searcher"]
