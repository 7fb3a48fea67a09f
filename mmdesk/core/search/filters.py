"""What narrows a search or a browse, validated once for every front end."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from mmdesk.core.paths import canonical
from mmdesk.core.search.dates import period_start
from mmdesk.errors import MmdeskError
from mmdesk.kinds import check_file_kinds
from mmdesk.store.filters import ItemFilter

# "date" is the old name of "newest" (kept for saved settings and scripts).
SORTS = ("relevance", "newest", "oldest", "date")
DATE_ORDERS = {"newest": "newest", "date": "newest", "oldest": "oldest"}


@dataclass
class Filters:
    """Empty fields mean no restriction."""

    kinds: list[str] = field(default_factory=list)  # file kinds: image | video | audio
    under: list[str] = field(default_factory=list)  # folder paths, as typed
    tags: list[str] = field(default_factory=list)  # items must carry all of them
    predicted: bool = False  # a tag also matches where a classifier predicts it
    after: str | None = None  # YYYY[-MM[-DD]]: taken from the start of that period on
    before: str | None = None  # YYYY[-MM[-DD]]: taken before the start of that period
    camera: list[str] = field(default_factory=list)  # taken with any of these cameras
    min_score: float | None = None
    limit: int = 50
    sort: str = "relevance"  # relevance | newest | oldest ("date" is newest)

    def __post_init__(self) -> None:
        if isinstance(self.limit, bool) or not isinstance(self.limit, int) or self.limit < 0:
            raise MmdeskError(f"the limit must be a whole number, 0 or more (not {self.limit})")
        if self.min_score is not None and not math.isfinite(self.min_score):
            raise MmdeskError(f"the minimum score must be a number (not {self.min_score})")
        if self.sort not in SORTS:
            raise MmdeskError(f"sort by one of {', '.join(SORTS)} (not {self.sort!r})")
        if isinstance(self.camera, str):  # one camera, as a front end may give it
            self.camera = [self.camera]
        try:
            check_file_kinds(self.kinds)
            self._bounds()
        except ValueError as exc:
            raise MmdeskError(str(exc)) from exc

    def _bounds(self) -> tuple[str | None, str | None]:
        """(after, before) as the ISO dates the store compares with."""
        after = period_start(self.after) if self.after else None
        return after, period_start(self.before) if self.before else None

    def item_filter(self) -> ItemFilter:
        """The store's form: canonical folders, file kinds, tag names."""
        return ItemFilter(
            kinds=list(self.kinds),
            under=[canonical(u) for u in self.under],
            tags=list(self.tags),
            predicted=self.predicted,
            after=self._bounds()[0],
            before=self._bounds()[1],
            camera=[c.strip() for c in self.camera if c.strip()],
            oldest_first=self.date_order == "oldest",
        )

    @property
    def date_order(self) -> str | None:
        """ "newest" or "oldest" when results go by date (taken, else file time), else None."""
        return DATE_ORDERS.get(self.sort)

    @property
    def narrows(self) -> bool:
        return bool(
            self.kinds or self.under or self.tags or self.after or self.before or self.camera
        )
