"""How the window's views follow the library: each refreshes itself from Changes.

A mixin of :class:`mmdesk.gui.window.MainWindow`. Every view gets one :class:`Feed` on the
runner's ``changed`` signal with its own predicate; no write calls a view's refresh by hand
(Anki's ``operation_did_execute``). Small reads (sidebar counts, a preview's tags) run on the
window's own Library on the GUI thread; searches go to the reader.
"""

from __future__ import annotations

from typing import Any

from mmdesk.core.jobs import Changes
from mmdesk.gui.compat import emit
from mmdesk.gui.feeds import Feed
from mmdesk.gui.sidebar import Sidebar
from mmdesk.gui.statusbar import LibrarySummary
from mmdesk.gui.window_parts import WindowParts

RERUN_EVERY_S = 1.5  # while indexing, refresh the results at most this often
TAG_COUNT_LIMIT = 500  # the preview counts tags over at most this many selected items


class Refreshing(WindowParts):
    """The feeds, and the refreshes they call."""

    def _init_feeds(self) -> None:
        runner, parent = self.runner, self
        self.feeds = [
            Feed(runner, Sidebar.wants_refresh, self.refresh_sidebar, gap_s=0.5, parent=parent),
            Feed(
                runner,
                self.results_stale,
                lambda _: self.run_search(),
                delay_ms=150,
                gap_s=RERUN_EVERY_S,
                parent=parent,
            ),
            Feed(
                runner, self.preview.wants_refresh, self.refresh_preview, delay_ms=0, parent=parent
            ),
            Feed(
                runner, LibrarySummary.wants_refresh, self.refresh_summary, gap_s=0.5, parent=parent
            ),
        ]

    def refresh_sidebar(self, _: Changes | None = None) -> None:
        tags = self.library.tags()
        self.sidebar.set_content(self.library.folders(), tags, self.library.items_by_file_kind())
        self.preview.set_known_tags([name for name, _ in tags])
        emit(self.library_changed)

    def refresh_summary(self, _: Changes | None = None) -> None:
        items = sum(self.library.items_by_kind().values())
        self.summary.show_counts(items, len(self.library.folders()))

    def results_stale(self, changes: Changes) -> bool:
        """Whether the shown results may differ; a tag change matters only under a tag
        filter (the grid does not show tags)."""
        if changes.items or changes.removed or changes.files or changes.spaces:
            return True
        return bool(changes.labels) and bool(self.sidebar.selected_tags())

    def refresh_preview(self, _: Changes | None = None) -> None:
        self.update_preview()

    def update_preview(self) -> None:
        """Show the selection, the current item first, with its tags counted and its texts."""
        selected = self.view.selected_results()
        current = self.view.current_result()
        if current is not None and current in selected:
            selected.remove(current)
            selected.insert(0, current)
        ids = [r.item_id for r in selected]
        texts = self._texts(ids[0]) if ids else []
        counts = self.library.tag_counts_for(ids[:TAG_COUNT_LIMIT]) if ids else {}
        self.preview.show_results(selected, counts, texts)

    def _texts(self, item_id: int) -> list[dict[str, Any]]:
        """The item's captions, OCR text and transcripts."""
        return self.library.texts_for(item_id)
