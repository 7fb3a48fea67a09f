"""The window's search behaviour: text, 'more like this' and browsing, with the cutoff applied.

A mixin of :class:`mmdesk.gui.window.MainWindow`: it only uses the window's widgets and runner.
Queries run on the reader thread under one key: a newer query replaces a queued one and the
runner ignores an older one's answer, so fast typing never shows stale results.

Moments of one video or sound are grouped by default (each file once, at its best moment, the
others in ``Result.moments``; the "Group moments" toggle, kept in the GUI settings). A query
the library judges to match nothing well (``library.last_verdict``) shows an empty state with a
way to see the weak matches anyway, rather than a grid of noise.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QUrl
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QToolBar

from mmdesk.core.library import Library
from mmdesk.core.search import Filters, Result, group_moments
from mmdesk.gui import dialogs
from mmdesk.gui.compat import emit
from mmdesk.gui.moments import Segment, transcript_segments
from mmdesk.gui.results import moments_of, turns_of
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
        self._weak = False  # the person asked to see weak matches for this query
        self._reshowing = False  # new results are replacing the old: one preview update after
        self._init_grouping()
        self.view.empty.action_requested.connect(self.show_weak_matches)
        self.preview.moments_of = self.moments_of
        self.preview.transcript_of = self.transcript_of
        self.preview.turns_of = lambda result: turns_of(self.model.turns, result)
        self.searchbar.search_requested.connect(self._typed)
        self.searchbar.similar_requested.connect(self.search_similar)
        self.sidebar.filters_changed.connect(self.run_search)
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

    def _typed(self) -> None:
        if self.searchbar.query():
            self._similar = None
        self._weak = False
        self.run_search()

    def filters(self) -> Filters:
        options = self.searchbar.options()
        return Filters(
            kinds=self.sidebar.selected_kinds(),
            under=self.sidebar.selected_folders(),
            tags=self.sidebar.selected_tags(),
            limit=options.limit,
            sort=options.sort,
        )

    def run_search(self) -> None:
        """Run what the search bar and sidebar say now, on the reader thread."""
        query, similar, filters = self.searchbar.query(), self._similar, self.filters()
        weak = self._weak and bool(query) and similar is None

        def job(library: Library) -> tuple[list[Result], Any]:
            if similar is not None:
                return library.similar(similar, filters), None
            if query:
                found = (
                    weak_search(library, query, filters) if weak else library.search(query, filters)
                )
                return found, getattr(library, "last_verdict", None)
            return library.browse(filters), None

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

    def search_similar(self, target: str | int) -> None:
        """'More like this' for a library item id or any image or sound file; the library
        compares in the item's own space (a sound with sounds)."""
        self._similar = target
        self._weak = False
        self.searchbar.edit.blockSignals(True)
        self.searchbar.edit.clear()
        self.searchbar.edit.blockSignals(False)
        self.run_search()

    def more_like_selected(self) -> None:
        current = self.view.current_result()
        if current is not None:
            self.search_similar(current.item_id)

    def _show(
        self, results: list[Result], verdict: Any, query: str, similar: str | int | None
    ) -> None:
        kept, hidden = apply_cutoff(results, self.searchbar.options().cutoff)
        if self.group_action.isChecked():
            kept = group_moments(kept)
        keep_ids = {r.item_id for r in self.view.selected_results()}
        current = self.view.current_result()
        self._reshowing = True  # a playing video keeps playing when it stays selected
        try:
            self.model.set_results(kept)
            self._reselect(keep_ids, current.item_id if current else None)
        finally:
            self._reshowing = False
        self.update_preview()
        if no_good_matches(verdict, results, query):
            self.view.empty.show_message(
                f"No good matches for “{query}”", "Show weak matches anyway"
            )
            reason = getattr(verdict, "reason", "")
            self.say(f"No good matches for “{query}”" + (f": {reason}" if reason else ""))
        else:
            self.view.empty.hide()
            self.say(self._summary(len(kept), hidden, query, similar))
        emit(self.results_shown, len(kept))

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
        for row, result in enumerate(self.model.results()):
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

    def open_selected(self) -> None:
        """Open the selected files in their default apps, asking first for more than ten."""
        paths = list(dict.fromkeys(r.path for r in self.view.selected_results()))
        if len(paths) > ASK_TO_OPEN_OVER and not dialogs.ask_open_many(self, len(paths)):
            return
        for path in paths:
            QDesktopServices.openUrl(QUrl.fromLocalFile(path))

    def reveal_selected(self) -> None:
        current = self.view.current_result()
        if current is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(current.path).parent)))
