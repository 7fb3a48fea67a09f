"""How the window's views follow the library: each refreshes itself from Changes.

A mixin of :class:`mmdesk.gui.window.MainWindow`. Every view gets one :class:`Feed` on the
runner's ``changed`` signal with its own predicate; no write calls a view's refresh by hand
(Anki's ``operation_did_execute``). Small reads (a preview's tags) run on the window's own
Library on the GUI thread; counts over the whole library (sidebar, summary) and searches go to
the reader.
"""

from __future__ import annotations

from typing import Any

from mmdesk.core.jobs import Changes
from mmdesk.core.library import Library
from mmdesk.gui.compat import emit
from mmdesk.gui.feeds import Feed
from mmdesk.gui.sidebar import Sidebar
from mmdesk.gui.statusbar import LibrarySummary
from mmdesk.gui.window_parts import WindowParts

RERUN_EVERY_S = 1.5  # while indexing, refresh the results at most this often
TAG_COUNT_LIMIT = 500  # the preview counts tags over at most this many selected items


def summary_content(library: Library) -> dict[str, Any]:
    """What the status bar's summary counts (any thread's Library)."""
    return {"items": sum(library.items_by_kind().values()), "folders": library.folders()}


def sidebar_content(library: Library) -> dict[str, Any]:
    """What the sidebar shows, with the summary's counts (any thread's Library)."""
    return {
        **summary_content(library),
        "tags": library.tags(),
        "kinds": library.items_by_file_kind(),
        "colors": library.tag_colors(),
    }


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
            Feed(runner, self.tile_tags_stale, self.refresh_tile_tags, gap_s=0.5, parent=parent),
        ]

    def refresh_sidebar(self, changes: Changes | None = None) -> None:
        """Re-read the sidebar's folders, tags and kinds (and the summary's counts, so the two
        always agree). From a Feed the counts, SQL over the whole library, are read on the
        reader: a big library's would stall the window. Called without Changes (the window
        opening) they are read at once."""
        if changes is None:
            self._show_sidebar(sidebar_content(self.library))
        else:
            self.runner.read(sidebar_content, self._show_sidebar, key="sidebar")

    def _show_sidebar(self, content: dict[str, Any]) -> None:
        tags = content["tags"]
        self.sidebar.set_content(
            content["folders"], tags, content["kinds"], colors=content["colors"]
        )
        self.preview.set_known_tags([name for name, _ in tags])
        self._show_summary(content)
        emit(self.library_changed)

    def refresh_summary(self, changes: Changes | None = None) -> None:
        """Re-count items and folders: on the reader from a Feed, at once without Changes."""
        if changes is None:
            self._show_summary(summary_content(self.library))
        else:
            self.runner.read(summary_content, self._show_summary, key="summary")

    def _show_summary(self, content: dict[str, Any]) -> None:
        self.summary.show_counts(content["items"], len(content["folders"]))

    def results_stale(self, changes: Changes) -> bool:
        """Whether the shown results may differ; a tag change (labels, or tags renamed,
        merged or deleted) matters only under a tag filter (the grid does not show tags).
        Folders added or removed change what an empty grid says."""
        if changes.items or changes.removed or changes.files or changes.spaces:
            return True
        if changes.folders:
            return True
        return bool(changes.labels or changes.tags) and bool(self.sidebar.selected_tags())

    def tile_tags_stale(self, changes: Changes) -> bool:
        """Whether the tags the tiles show may differ (only while tiles show tags)."""
        if not self.view.delegate().show_tags:
            return False
        return changes.tags or bool(changes.labels & set(self.model.item_ids()))

    def refresh_tile_tags(self, _: Changes | None = None) -> None:
        """Read the shown items' tags on the reader, in one batch, for the tiles."""
        self.read_tile_tags(self.model.item_ids(), key="tile-tags")

    def read_tile_tags(self, ids: list[int], key: str | None = None) -> None:
        """Read the tags of ``ids`` (a page of rows just shown) if tiles show tags."""
        if ids and self.view.delegate().show_tags:
            model = self.model
            self.runner.read(
                lambda library: library.tag_names_for(ids),
                lambda names: model.set_tags(ids, names),
                key=key,
            )

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
