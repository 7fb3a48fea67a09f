"""The window's search behaviour: text, 'more like this' and browsing, with the cutoff applied.

A mixin of :class:`mmdesk.gui.window.MainWindow`: it only uses the window's widgets and runner.
Queries run on the reader thread under one key: a newer query replaces a queued one and the
runner ignores an older one's answer, so fast typing never shows stale results.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QUrl
from PySide6.QtGui import QDesktopServices

from mmdesk.core.library import Library
from mmdesk.core.search import Filters, Result
from mmdesk.gui.compat import emit
from mmdesk.gui.window_parts import WindowParts


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


class SearchActions(WindowParts):
    """Search, similar, results → preview, open and reveal."""

    def _init_search(self) -> None:
        self._similar: str | int | None = None
        self.searchbar.search_requested.connect(self._typed)
        self.searchbar.similar_requested.connect(self.search_similar)
        self.sidebar.filters_changed.connect(self.run_search)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.model.modelReset.connect(self._selection_changed)  # new results, maybe none kept
        self.view.open_requested.connect(self.open_selected)
        self.view.doubleClicked.connect(lambda _: self.open_selected())
        self.view.preview_toggled.connect(self.toggle_preview)
        self.preview.open_requested.connect(self.open_selected)
        self.preview.reveal_requested.connect(self.reveal_selected)
        self.preview.similar_requested.connect(self.more_like_selected)

    def _typed(self) -> None:
        if self.searchbar.query():
            self._similar = None
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

        def job(library: Library) -> list[Result]:
            if similar is not None:
                return library.similar(similar, filters)
            if query:
                return library.search(query, filters)
            return library.browse(filters)

        self.runner.read(
            job, lambda results: self._show(results, query, similar), self._failed, key="search"
        )

    def search_similar(self, target: str | int) -> None:
        """'More like this' for a library item id or any image file."""
        self._similar = target
        self.searchbar.edit.blockSignals(True)
        self.searchbar.edit.clear()
        self.searchbar.edit.blockSignals(False)
        self.run_search()

    def more_like_selected(self) -> None:
        current = self.view.current_result()
        if current is not None:
            self.search_similar(current.item_id)

    def _show(self, results: list[Result], query: str, similar: str | int | None) -> None:
        kept, hidden = apply_cutoff(results, self.searchbar.options().cutoff)
        keep_ids = {r.item_id for r in self.view.selected_results()}
        current = self.view.current_result()
        self.model.set_results(kept)
        self._reselect(keep_ids, current.item_id if current else None)
        self.say(self._summary(len(kept), hidden, query, similar))
        emit(self.results_shown, len(kept))

    def _summary(self, shown: int, hidden: int, query: str, similar: str | int | None) -> str:
        if similar is not None:
            what = f"{_n(shown, 'photo')} like {self._describe_target(similar)}"
        elif query:
            what = f"{_n(shown, 'result')} for “{query}”"
        else:
            what = f"{_n(shown, 'photo')}, newest first"
        if hidden:
            what += f" · {hidden} weaker matches hidden (lower “Min match” to see them)"
        return what

    def _describe_target(self, target: str | int) -> str:
        if isinstance(target, int):
            info = self.library.items_info([target]).get(target)
            return Path(info["path"]).name if info else f"item {target}"
        return Path(target).name

    def _failed(self, exc: BaseException) -> None:
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
        self.update_preview()

    def toggle_preview(self) -> None:
        self.preview.setVisible(not self.preview.isVisible())

    def open_selected(self) -> None:
        for result in self.view.selected_results()[:10]:
            QDesktopServices.openUrl(QUrl.fromLocalFile(result.path))

    def reveal_selected(self) -> None:
        current = self.view.current_result()
        if current is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(current.path).parent)))
