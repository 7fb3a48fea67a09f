"""The window's search behaviour: text, 'more like this' and browsing, with the cutoff applied.

A mixin of :class:`mmdesk.gui.window.MainWindow`: it only uses the window's widgets and runner.
Queries run on the reader thread under one key: a newer query replaces a queued one and the
runner ignores an older one's answer, so fast typing never shows stale results.

Moments of one video or sound are grouped by default (each file once, at its best moment, the
others in ``Result.moments``; the "Group moments" toggle, kept in the GUI settings). A query
the library judges to match nothing well (``library.last_verdict``) shows an empty state with a
way to see the weak matches anyway, rather than a grid of noise; an empty grid always says why
(an empty library, indexing under way, filters that match nothing) and offers a way on.

'More like this' shows what it is similar to as a chip in the search bar and keeps similarity
order whatever the sort. Each new query leaves a place in the window's history
(:mod:`mmdesk.gui.history`): Back returns to the query, its results, selection and scroll.
The preview's buttons act on what the preview shows: the current result when it is selected,
else the first selected one (:meth:`SearchActions.focused_result`).
"""

from __future__ import annotations

import inspect
import math
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QPixmap
from PySide6.QtWidgets import QToolBar

from mmdesk.core.library import Library
from mmdesk.core.search import Filters, Result, group_moments
from mmdesk.gui import dialogs
from mmdesk.gui.compat import emit
from mmdesk.gui.date_groups import Timeline, date_of
from mmdesk.gui.filter_chips import sync as sync_chips
from mmdesk.gui.history import Navigation, Place, select_filters, sidebar_filters
from mmdesk.gui.moments import Segment, transcript_segments
from mmdesk.gui.notices import explain_empty
from mmdesk.gui.results import moments_of, turns_of
from mmdesk.gui.sidebar import ValueRole
from mmdesk.gui.viewer import ViewerController
from mmdesk.gui.viewer import install as install_viewer
from mmdesk.gui.window_parts import WindowParts

GROUP_KEY = "search/group_moments"
ASK_TO_OPEN_OVER = 10  # opening more files than this at once in other apps asks first


def apply_cutoff(results: list[Result], percent: int) -> tuple[list[Result], int]:
    """Drop results scoring under ``percent`` % of the best one; returns (kept, hidden)."""
    scores = [r.score for r in results if not math.isnan(r.score)]
    if percent <= 0 or not scores or max(scores) <= 0:
        return results, 0
    floor = max(scores) * percent / 100
    kept = [r for r in results if math.isnan(r.score) or r.score >= floor]
    return kept, len(results) - len(kept)


def _n(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def weak_search(library: Library, query: str, filters: Filters) -> list[Result]:
    """The query with no quality floor: what "Show weak matches anyway" asks for."""
    if "min_score" in inspect.signature(library.search).parameters:
        return library.search(query, filters, min_score=0.0)  # type: ignore[call-arg,unused-ignore]
    return library.search(query, replace(filters, min_score=0.0))


def no_good_matches(verdict: Any, results: list[Result], query: str) -> bool:
    """Whether the library said the query matched nothing well (and so returned nothing)."""
    return bool(query) and not results and verdict is not None and not verdict.ok


class SearchActions(WindowParts):
    """Search, similar, results → preview, the viewer, open and reveal."""

    viewer: ViewerController

    def _init_search(self) -> None:
        self._similar: str | int | None = None
        self._similar_source: Result | None = None  # the item 'more like this' started from
        self._weak = False  # the person asked to see weak matches for this query
        self._reshowing = False  # new results are replacing the old: one preview update after
        self._asked = Place()  # what the latest search asks (the place its answer shows)
        self._empty_action: Any = None  # what the empty grid's button does now
        self._chip_path: str | None = None  # the file whose thumbnail the similar chip wants
        self.thumbs.ready.connect(self._chip_thumbnail_ready)
        self._init_grouping()
        self.navigation = Navigation(self)  # type: ignore[arg-type]
        toolbar = self.findChild(QToolBar, "search-toolbar")
        if toolbar is not None:
            toolbar.insertAction(toolbar.actions()[0], self.navigation.back_action)
        self.view.empty.action_requested.connect(self._empty_clicked)
        self.view.empty.add_folder_requested.connect(self.choose_folder)
        self.view.empty.sample_requested.connect(self.add_sample_library)
        self.preview.draft_dropped.connect(self._draft_dropped)
        self._connect_chips()
        self.preview.moments_of = self.moments_of
        self.preview.transcript_of = self.transcript_of
        self.preview.turns_of = lambda result: turns_of(self.model.turns, result)
        self.searchbar.search_requested.connect(self._typed)
        self.searchbar.edit.textEdited.connect(  # typing starts: Back returns to before it
            lambda _: self.navigation.leaving(self._place(), typing=True)
        )
        self.searchbar.similar_requested.connect(self.search_similar)
        self.sidebar.filters_changed.connect(self._filters_changed)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.model.modelReset.connect(self._selection_changed)  # new results, maybe none kept
        self.viewer = install_viewer(self)  # type: ignore[arg-type]
        self.view.open_requested.connect(lambda: self.viewer.open())
        self.view.doubleClicked.connect(lambda index: self.viewer.open(row=index.row()))
        self.view.preview_toggled.connect(self.toggle_preview)
        self.preview.open_requested.connect(self.open_selected)
        self.preview.reveal_requested.connect(self.reveal_selected)
        self.preview.similar_requested.connect(self.more_like_selected)

    def _init_grouping(self) -> None:
        """The "Group moments" toggle: on by default, remembered in the GUI settings."""
        self.group_action = QAction("&Group moments", self)
        self.group_action.setCheckable(True)
        self.group_action.setChecked(self.qsettings.value(GROUP_KEY, "true") in (True, "true"))
        self.group_action.setToolTip(
            "Show each video or sound once, at its best moment, with its other moments"
        )
        self.group_action.toggled.connect(self._grouping_toggled)
        toolbar = self.findChild(QToolBar, "search-toolbar")
        if toolbar is not None:
            toolbar.addAction(self.group_action)

    def _grouping_toggled(self, on: bool) -> None:
        self.qsettings.setValue(GROUP_KEY, on)
        self.run_search()

    def _connect_chips(self) -> None:
        """The search bar's "Similar to …" chip: its × returns to the previous query."""
        chips = getattr(self.searchbar, "chips", None)
        if chips is not None and hasattr(chips, "similar_cleared"):
            chips.similar_cleared.connect(self.clear_similar)

    def _typed(self) -> None:
        if self.searchbar.query():
            self._similar = None
        self._weak = False
        place, showing = self._place(), self.navigation.showing
        # the words changed: part of a run of typing; the same words (a date range or camera
        # set in the Filter menu, a chip's ×): a step of its own
        typing = showing is None or place.query != showing.query
        self.navigation.leaving(place, typing=typing)
        self.run_search()

    def _filters_changed(self) -> None:
        self.navigation.leaving(self._place())
        self.run_search()

    def _place(self) -> Place:
        """What a search now would ask (as :class:`~mmdesk.gui.history.Place`)."""
        query, similar = self.searchbar.query(), self._similar
        weak = self._weak and bool(query) and similar is None
        bar = self.searchbar
        filters = sidebar_filters(self.sidebar, ValueRole)
        return Place(
            query,
            similar,
            filters,
            weak,
            dates=bar.date_range(),
            camera=bar.camera(),
            sort=bar.options().sort,
        )

    def leave_query(self) -> None:
        """Another view (a person's photos) takes the grid: the words in the search box and
        a 'more like this' target are dropped (not searched: the caller shows its own)."""
        self._similar = self._similar_source = None
        self._weak = False
        self.searchbar.put_query("")
        self._show_similar_chip(None)

    def filters(self) -> Filters:
        """What the sidebar and the search bar (date range, camera, sort) ask for now; the
        bar's chips are brought in step with it."""
        options = self.searchbar.options()
        sync_chips(self.searchbar, self.sidebar)
        camera = self.searchbar.camera()
        return Filters(
            kinds=self.sidebar.selected_kinds(),
            under=self.sidebar.selected_folders(),
            tags=self.sidebar.selected_tags(),
            after=self.searchbar.after(),
            before=self.searchbar.before(),
            camera=[camera] if camera else [],
            limit=options.limit,
            sort=options.sort,
        )

    def run_search(self) -> None:
        """Run what the search bar and sidebar say now, on the reader thread."""
        query, similar, filters = self.searchbar.query(), self._similar, self.filters()
        weak = self._weak and bool(query) and similar is None
        self._asked = self._place()
        if not query and similar is None:  # browsing: every item, a page at a time
            self.paging.browse(filters)
            return
        filters = self.paging.searching(query, similar, filters, weak)

        def job(library: Library) -> tuple[list[Result], Any]:
            if similar is not None:  # most similar first, whatever the sort says
                return library.similar(similar, replace(filters, sort="relevance")), None
            if query:
                found = (
                    weak_search(library, query, filters) if weak else library.search(query, filters)
                )
                return found, getattr(library, "last_verdict", None)
            return library.browse(filters), None  # not reached: browsing pages (gui.paging)

        self.runner.read(
            job,
            lambda answer: self._show(answer[0], answer[1], query, similar),
            self._failed,
            key="search",
        )

    def show_weak_matches(self) -> None:
        """Run the query again with no quality floor (the empty state's button)."""
        self._weak = True
        self.run_search()

    def search_similar(self, target: str | int, source: Result | None = None) -> None:
        """'More like this' for a library item id or any image or sound file; the library
        compares in the item's own space (a sound with sounds). ``source``: the result it
        started from (its thumbnail goes on the chip)."""
        self.navigation.leaving(replace(self._place(), query="", similar=target, weak=False))
        self._similar = target
        self._similar_source = source
        self._weak = False
        self.searchbar.put_query("")
        self.run_search()

    def more_like_selected(self) -> None:
        current = self.focused_result()
        if current is not None:
            self.search_similar(current.item_id, current)

    def clear_similar(self) -> None:
        """The similarity chip's ×: back to the query before it (or to browsing)."""
        if self.navigation.history.can_back():
            self.navigation.back()
            return
        self._similar = self._similar_source = None
        self.run_search()

    def go_to(self, place: Place) -> None:
        """Show ``place`` again (Back / Forward): its words, target or person, its sidebar
        filters and the search bar's date range and camera."""
        self._similar, self._weak = place.similar, place.weak
        if place.similar is None:
            self._similar_source = None
        self.searchbar.put_query(place.query)
        select_filters(self.sidebar, ValueRole, place.filters)
        self.searchbar.restore_filters(*place.dates, place.camera)
        self.searchbar.set_sort(place.sort)
        sync_chips(self.searchbar, self.sidebar)
        people = getattr(self, "people_view", None)
        if place.person is not None and people is not None:
            # the People section's question, asked again
            (people.more if place.more else people.photos)(place.person)
            return
        self.run_search()

    def _show(
        self, results: list[Result], verdict: Any, query: str, similar: str | int | None
    ) -> None:
        kept, hidden = apply_cutoff(results, self.searchbar.options().cutoff)
        if self.group_action.isChecked():
            kept = group_moments(kept)
        keep_ids = {r.item_id for r in self.view.selected_results()}
        current = self.view.current_result()
        back_to = self.navigation.shown(self._asked)
        if back_to is not None:
            keep_ids, current_id = set(back_to.selected), back_to.current
        else:
            current_id = current.item_id if current else None
        self._reshowing = True  # a playing video keeps playing when it stays selected
        try:
            if query and similar is None:  # (a browse's pages come grouped: gui.paging)
                self.model.group_next(self._date_groups(kept))
            self.model.set_results(kept)
            self._reselect(keep_ids, current_id)
        finally:
            self._reshowing = False
        if back_to is not None:
            self.navigation.restore_scroll(back_to)
        self.update_preview()
        self._show_similar_chip(similar)
        if no_good_matches(verdict, results, query):
            self.show_empty(
                f"No good matches for “{query}”", "Show weak matches anyway", self.show_weak_matches
            )
            reason = getattr(verdict, "reason", "")
            self.say(f"No good matches for “{query}”" + (f": {reason}" if reason else ""))
        else:
            self.say(self._summary(len(kept), hidden, query, similar))
            if kept:
                self.view.empty.hide()
            else:
                explain_empty(self, query, similar)  # type: ignore[arg-type]
        emit(self.results_shown, len(kept))

    def _date_groups(self, results: list[Result]) -> Timeline | None:
        """A search sorted by date gets date headers as browsing does, counted over its own
        results (similar results keep similarity order, so none)."""
        if self.searchbar.options().sort not in ("newest", "oldest"):
            return None
        days = Counter(date_of(r) for r in results)  # in the results' (date) order
        timeline = Timeline.from_days(days.items())
        return timeline if len(timeline.groups) > 1 else None

    # the empty grid -----------------------------------------------------------------------------
    def show_empty(self, text: str, action: str = "", then: Any = None, hint: str = "") -> None:
        """Say why the grid is empty, with one button (``action``) that calls ``then``."""
        self._empty_action = then
        self.view.empty.show_message(text, action, hint)

    def _empty_clicked(self) -> None:
        if callable(self._empty_action):
            self._empty_action()

    def clear_filters(self) -> None:
        """Every filter off (the empty grid's "Clear filters"): the sidebar's and the search
        bar's date range and camera; then search again."""
        self.navigation.leaving(
            replace(self._place(), filters=frozenset(), dates=(None, None), camera=None)
        )
        select_filters(self.sidebar, ValueRole, frozenset())
        bar = self.searchbar
        if any(getattr(bar, "date_range", lambda: ())()):
            bar.clear_date_range()
        if getattr(bar, "camera", lambda: None)():
            bar.clear_camera()
        self.run_search()

    def add_sample_library(self) -> None:
        """Write the bundled sample library into the data folder, then add and index it."""
        from mmdesk.core.sample import make_sample_library

        folder = self.settings.data_dir / "sample-library"
        self.say("Writing the sample library…")
        self.runner.compute(
            lambda: make_sample_library(folder), lambda _: self.add_folder(folder), self.show_error
        )

    def _draft_dropped(self, name: str) -> None:
        self.notices.show_notice(
            f"Tag “{name}” was not added: the items it was typed for are no longer shown"
        )

    # 'more like this' ---------------------------------------------------------------------------
    def _show_similar_chip(self, similar: str | int | None) -> None:
        """The search bar's "Similar to <name>" chip with the source's thumbnail, or none."""
        chips = getattr(self.searchbar, "chips", None)
        if chips is None or not hasattr(chips, "set_similar"):
            return
        if similar is None:
            chips.set_similar(None, None)
            return
        self._chip_path = None
        chips.set_similar(self._describe_target(similar), self._similar_icon(similar))

    def _similar_icon(self, similar: str | int) -> QPixmap | None:
        """The source's thumbnail if the cache has it (else asked for: the chip is set again
        when it is ready)."""
        source = self._similar_source
        if source is not None and source.item_id == similar:
            path, f = source.path, source.file
            mtime, size = f.get("mtime_ns"), f.get("size")
        elif isinstance(similar, str) and Path(similar).is_file():
            path, stat = similar, Path(similar).stat()
            mtime, size = stat.st_mtime_ns, stat.st_size
        else:
            return None
        self._chip_path = path
        return self.thumbs.get(path, mtime, size)

    def _chip_thumbnail_ready(self, path: str) -> None:
        if path == self._chip_path and self._similar is not None:
            self._show_similar_chip(self._similar)

    # what the preview shows of a video or sound --------------------------------------------
    def moments_of(self, result: Result) -> list[Result]:
        """The file's matching moments: those grouped into the result, else every moment of
        the file the grid shows."""
        if moments_of(result):
            return [result, *moments_of(result)]
        return self.model.rows_of(result.path) or [result]

    def transcript_of(self, result: Result, texts: list[dict[str, Any]]) -> list[Segment]:
        """What is said in the file: the library's transcript of it where it offers one, else
        the transcripts of the file's matching moments."""
        whole = getattr(self.library, "transcript", None)
        if callable(whole):
            return [Segment(s["start"] or 0.0, s.get("end"), s["text"]) for s in whole(result.path)]
        segments: list[Segment] = []
        for moment in self.moments_of(result):
            said = texts if moment.item_id == result.item_id else None
            if said is None and moment.kind == "audio_segment":
                said = self.library.texts_for(moment.item_id)
            segments += transcript_segments(said or [], moment.start, moment.end)
        return segments

    def _summary(self, shown: int, hidden: int, query: str, similar: str | int | None) -> str:
        photos = all(r.kind == "image" for r in self.model.results())
        noun = "photo" if photos else "result"
        if similar is not None:
            what = f"{_n(shown, noun)} like {self._describe_target(similar)}"
        elif query:
            what = f"{_n(shown, 'result')} for “{query}”"
        else:
            what = f"{_n(shown, 'photo' if photos else 'item')}, newest first"
        if hidden:
            what += f" · {hidden} weaker matches hidden (lower “Min match” to see them)"
        return what

    def _describe_target(self, target: str | int) -> str:
        if isinstance(target, int):
            info = self.library.items_info([target]).get(target)
            return Path(info["path"]).name if info else f"item {target}"
        return Path(target).name

    def _failed(self, exc: BaseException) -> None:
        self.view.empty.hide()
        self.model.set_results([])
        emit(self.results_shown, 0)
        self.show_error(exc)

    def _reselect(self, ids: set[int], current: int | None) -> None:
        selection = QItemSelection()
        for row, result in self.model.result_rows():  # model rows: date headers skipped
            if result.item_id in ids:
                index = self.model.index(row)
                selection.select(index, index)
            if result.item_id == current:
                self.view.selectionModel().setCurrentIndex(
                    self.model.index(row), QItemSelectionModel.SelectionFlag.NoUpdate
                )
        self.view.selectionModel().select(
            selection, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )

    # selection, preview, open ------------------------------------------------------------------
    def _selection_changed(self, *_: Any) -> None:
        if not self._reshowing:
            self.update_preview()

    def toggle_preview(self) -> None:
        self.preview_area.setVisible(self.preview_area.isHidden())

    def focused_result(self) -> Result | None:
        """What the preview shows first and its buttons act on: the current result when it is
        selected, else the first selected one; None when nothing shown is selected."""
        selected = self.view.selected_results()
        current = self.view.current_result()
        if current is not None and current in selected:
            return current
        return selected[0] if selected else None

    def open_selected(self) -> None:
        """Open the selected files in their default apps, asking first for more than ten."""
        paths = list(dict.fromkeys(r.path for r in self.view.selected_results()))
        if len(paths) > ASK_TO_OPEN_OVER and not dialogs.ask_open_many(self, len(paths)):
            return
        for path in paths:
            QDesktopServices.openUrl(QUrl.fromLocalFile(path))

    def reveal_selected(self) -> None:
        current = self.focused_result()
        if current is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(current.path).parent)))
