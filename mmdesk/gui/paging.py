"""Showing everything: browsing loads a page at a time, ranked results offer "Show more".

Browsing (no query) shows every item that passes the filters, never a silent first 200. The
reader answers the first page, the count and the day histogram in one read; the model asks for
the next page as the view nears its end (Qt's ``canFetchMore``/``fetchMore``) and each page is
appended, so selection and scroll position stay. The status line says "Showing 200 of 12,345
items" as pages arrive. Rows are grouped by date (:mod:`gui.date_groups`) and the scrubber
beside the grid (:mod:`gui.timeline`) jumps to a month, loading the pages up to it in one read.
A refresh (indexing goes on) reloads as many rows as were loaded and keeps the scroll position.

Ranked results (a text query, "more like this") stay the best k: they come best first and the
ones after only get worse, so they are not streamed in as one scrolls. The status line says the
best are shown and "Show more" asks for the next k, the search again with a larger limit, of
which what is new is appended (Immich's smart search pages the same way; Lightroom has no
limit at all). It offers itself only when the search filled its limit with nothing under the
"Min match" cutoff: otherwise there is nothing more above that line.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QAbstractItemView, QPushButton

from mmdesk.core.library import Library
from mmdesk.core.search import Filters, Result, group_moments
from mmdesk.gui.date_groups import Timeline
from mmdesk.gui.results import moments_of, row_key
from mmdesk.gui.search_actions import apply_cutoff, weak_search

if TYPE_CHECKING:
    from mmdesk.gui.window import MainWindow

PAGE = 200  # items a browse loads at a time
AHEAD = 12  # the viewer asks for the next page this many results before the last loaded


@dataclass(frozen=True)
class FirstPage:
    """The reader's answer to a browse: its first rows, how many there are in all, by day."""

    results: list[Result]
    total: int
    days: list[tuple[str, int]]


def first_page(library: Library, filters: Filters, rows: int) -> FirstPage:
    return FirstPage(
        library.browse_page(filters, 0, rows),
        library.count(filters),
        library.date_histogram(filters, "day"),
    )


@dataclass(frozen=True)
class Ranked:
    """A ranked search as the window ran it, to run again for more."""

    query: str
    similar: str | int | None
    filters: Filters
    weak: bool

    def run(self, library: Library, limit: int) -> list[Result]:
        wanted = replace(self.filters, limit=limit)
        if self.similar is not None:  # most similar first, whatever the sort says
            return library.similar(self.similar, replace(wanted, sort="relevance"))
        if self.weak:
            return weak_search(library, self.query, wanted)
        return library.search(self.query, wanted)


def items_in(results: list[Result]) -> int:
    """How many search hits the rows stand for (a grouped video row holds its moments)."""
    return sum(1 + len(moments_of(r)) for r in results)


class Paging:
    """Pages of a browse and "Show more" of ranked results, for one window."""

    def __init__(self, window: MainWindow) -> None:
        self.window, self.model, self.view = window, window.model, window.view
        self.scrubber = window.scrubber
        self.browsing: Filters | None = None  # the browse on show (None: ranked results)
        self.loaded = 0  # items of it fetched: the next page's offset
        self.total = 0
        self._left: tuple[Filters, int] | None = None  # the browse left for a search, loaded
        self.ranked: Ranked | None = None
        self.limit = 0  # ranked results shown now ("Show more" raises it)
        self._asking = 0  # ... and asked for by a "Show more" under way
        self._generation = 0  # a newer browse or search makes older pages stale
        self._fetching = False
        self._showing = False  # the browse's own rows are being shown
        self._target: str | None = None  # the date group the scrubber asked for, loading
        self.more_button = QPushButton("Show more", window)
        self.more_button.setToolTip("Show the next best matches")
        self.more_button.hide()
        window.statusBar().addWidget(self.more_button)
        self.more_button.clicked.connect(self.show_more)
        self.model.fetch = self.fetch_more
        self.model.modelReset.connect(self._reset)
        self.scrubber.jump_requested.connect(self.jump)
        self.view.verticalScrollBar().valueChanged.connect(self._scrolled)
        window.results_shown.connect(self._ranked_shown)
        window.searchbar.limit.setToolTip(
            "How many of the best matches a search shows (“Show more” adds as many again).\n"
            "Browsing without a query shows every item."
        )

    # browsing ---------------------------------------------------------------------------------
    def browse(self, filters: Filters) -> None:
        """Show every item passing ``filters``, newest (or oldest) first, a page at a time; the
        same browse again (a refresh) reloads what was loaded, where the grid was."""
        refresh = _same(filters, self.browsing)
        rows = max(PAGE, self.loaded) if refresh else PAGE
        if not refresh and self._left is not None and _same(filters, self._left[0]):
            rows = max(PAGE, self._left[1])  # back from a search: where Back scrolls to
        target = self._target if refresh else None  # a jump under way goes on after
        self._stale()
        self.ranked = None
        self.more_button.hide()
        generation = self._generation
        self.window.runner.read(
            lambda library: first_page(library, filters, rows),
            lambda page: self._first(generation, filters, page, refresh, target),
            self.window._failed,
            key="search",
        )

    def _first(
        self, generation: int, filters: Filters, page: FirstPage, refresh: bool, target: str | None
    ) -> None:
        if generation != self._generation:
            return
        bar = self.view.verticalScrollBar()
        position = bar.value()
        self.browsing, self.loaded = filters, len(page.results)
        self.total = max(page.total, self.loaded)
        timeline = Timeline.from_days(page.days)
        self.model.group_next(timeline if len(timeline.groups) > 1 else None)
        self._showing = True
        try:
            self.window._show(page.results, None, "", None)
        finally:
            self._showing = False
        self.model.more = self.loaded < self.total
        if refresh:
            self.view.doItemsLayout()
            bar.setValue(position)
        self._say()
        if target is not None:
            self.jump(target)

    def fetch_more(self) -> None:
        """The next page, on the reader (the model asks as the view nears its end)."""
        self._fetch(PAGE)

    def fetch_ahead(self, row: int) -> None:
        """The next page if ``row`` is among the last results loaded (the viewer steps)."""
        if self.model.result_number(row) >= len(self.model.results()) - AHEAD:
            self.model.fetchMore()

    def _fetch(self, count: int) -> None:
        filters = self.browsing
        if filters is None or self._fetching or self.loaded >= self.total:
            return
        self._fetching = True
        generation, offset = self._generation, self.loaded
        self.window.runner.read(
            lambda library: library.browse_page(filters, offset, count),
            lambda rows: self._arrived(generation, offset, rows),
            lambda exc: self._fetch_failed(generation, exc),
            key="browse-page",
        )

    def _arrived(self, generation: int, offset: int, rows: list[Result]) -> None:
        if generation != self._generation or offset != self.loaded:
            return
        self._fetching = False
        self.loaded += len(rows)
        if not rows:  # the library shrank since the count: what is loaded is all
            self.total = self.loaded
        seen = {r.item_id for r in self.model.results()}  # items that moved up a page
        rows = [r for r in rows if r.item_id not in seen]
        if self.window.group_action.isChecked():  # a video split by the page boundary
            rows = [r for r in group_moments(rows) if not self.model.rows_of(r.path)]
        self.model.append_results(rows)
        self.model.more = self.loaded < self.total
        self._say()
        if self._target is not None:
            self.jump(self._target)

    def _fetch_failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self._fetching = False
            self.window.show_error(exc)

    def _say(self) -> None:
        if not self.total:  # nothing to show: the empty grid says why
            return
        order = "oldest first" if self.browsing and self.browsing.sort == "oldest" else None
        self.window.say(
            f"Showing {self.loaded:,} of {self.total:,} item{'' if self.total == 1 else 's'}, "
            f"{order or 'newest first'}"
        )

    # the timeline -------------------------------------------------------------------------
    def jump(self, key: str) -> None:
        """Scroll the grid to a date group's first item, loading the pages up to it first (and
        after it, until the group's header can come to the top)."""
        timeline, row = self.model.timeline, self.model.header_row(key)
        self._target = None
        if timeline is None:
            return
        if row is not None:
            header = self.model.index(row)
            self.view.scrollTo(header, _AT_TOP)
            self.scrubber.set_current(key)
            if self.view.visualRect(header).top() <= 0:
                return
        if self.browsing is None or self.loaded >= self.total:  # a search's are all shown
            return
        self._target = key
        self._fetch(max(PAGE, timeline.offset(key) + PAGE - self.loaded))

    def _scrolled(self, _: int = 0) -> None:
        timeline = self.model.timeline
        if timeline is None:
            return
        row = self.view.indexAt(QPoint(12, 12)).row()
        header, result = self.model.header_at(row), self.model.result_at(row)
        if header is not None:
            self.scrubber.set_current(header.key)
        elif result is not None:
            self.scrubber.set_current(timeline.key(result))

    def _reset(self) -> None:
        """New rows: the scrubber follows whether they have a timeline; rows set by another
        (a person's photos) end the browse."""
        if not self._showing and self.browsing is not None:
            self._stale()
            self.browsing = None
        self.scrubber.set_timeline(self.model.timeline)
        self._scrolled()

    # ranked results -----------------------------------------------------------------------
    def searching(
        self, query: str, similar: str | int | None, filters: Filters, weak: bool
    ) -> Filters:
        """Ranked results are on their way (no pages, no timeline); returns the filters to
        search with. The same search again (a refresh) keeps what "Show more" reached, and
        one under way still lands."""
        if self.browsing is not None:
            self._left = (self.browsing, self.loaded)
        self.browsing = None
        ranked = Ranked(query, similar, filters, weak)
        if ranked != self.ranked:
            self._stale()
            self.limit = self._asking = filters.limit
        self.ranked = ranked
        return replace(filters, limit=max(self.limit, self._asking))

    def _ranked_shown(self, count: int) -> None:
        """After the window showed ranked results: offer more when the search filled its limit
        (the cutoff hid none of them), and say the best are shown."""
        if self.ranked is None:
            return
        more = count > 0 and items_in(self.model.results()) >= self.limit
        self._offer_more(more)
        if more:
            self.window.say(f"{self.window.message.text()} · the {self.limit:,} best shown")

    def show_more(self) -> None:
        """The next best k: the search again with a larger limit; what is new is appended."""
        ranked = self.ranked
        if ranked is None:
            return
        limit, generation = self.limit + ranked.filters.limit, self._generation
        self._asking = limit
        self.more_button.setEnabled(False)
        self.window.runner.read(
            lambda library: ranked.run(library, limit),
            lambda results: self._more_ranked(generation, limit, results),
            self._more_failed,
            key="show-more",  # a newer search makes it stale (the generation)
        )

    def _more_ranked(self, generation: int, limit: int, results: list[Result]) -> None:
        self.more_button.setEnabled(True)
        if generation != self._generation or self.ranked is None:
            return
        self.limit = max(self.limit, limit)
        kept, hidden = apply_cutoff(results, self.window.searchbar.options().cutoff)
        grouping = self.window.group_action.isChecked()
        if grouping:
            kept = group_moments(kept)
        shown = self.model.results()
        keys, paths = {row_key(r) for r in shown}, {r.path for r in shown}
        new = [r for r in kept if row_key(r) not in keys and not (grouping and r.path in paths)]
        self.model.append_results(new)
        more = len(results) >= limit and not hidden
        self._offer_more(more)
        count = len(self.model.results())
        what = f"“{self.ranked.query}”" if self.ranked.similar is None else "this"
        end = "" if more else " · no more above “Min match”" if hidden else " · that is all"
        self.window.say(f"Showing the {count:,} best results for {what}{end}")

    def _more_failed(self, exc: BaseException) -> None:
        self.more_button.setEnabled(True)
        self._asking = self.limit
        self.window.show_error(exc)

    def _offer_more(self, more: bool) -> None:
        step = self.ranked.filters.limit if self.ranked is not None else 0
        self.more_button.setText(f"Show {step:,} more")
        self.more_button.setVisible(more)

    def _stale(self) -> None:
        """A new browse or search: answers to older page reads are dropped."""
        self._generation += 1
        self._fetching = False
        self._target = None


def _same(filters: Filters, other: Filters | None) -> bool:
    """The same browse, whatever the "Show" limit (browsing shows everything)."""
    return other is not None and replace(filters, limit=0) == replace(other, limit=0)


_AT_TOP = QAbstractItemView.ScrollHint.PositionAtTop
