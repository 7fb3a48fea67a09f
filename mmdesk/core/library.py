"""The library facade: settings + store + plugins + search, as the CLI and the GUI use them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mmdesk.config import Settings
from mmdesk.core.indexer import IndexReport, index_paths
from mmdesk.core.search import Filters, Result, Searcher
from mmdesk.core.tasks import TaskState
from mmdesk.errors import MmdeskError
from mmdesk.plugins.registry import Registry, Space
from mmdesk.store import Store


class Library:
    """One person's library in one thread. Open another for another thread."""

    def __init__(self, settings: Settings | None = None, registry: Registry | None = None) -> None:
        self.settings = settings or Settings()
        self.store = Store(self.settings.db_path)
        self.registry = registry or Registry(self.settings)
        self._searcher: Searcher | None = None

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def space(self) -> Space:
        """The active embedding space: the person's choice, else the default."""
        return self.registry.choose_space(self.store.get_setting("active_space"))

    def pending_space(self) -> Space | None:
        """The space being switched to, while its index is still incomplete."""
        wanted = self.store.get_setting("pending_space")
        if not wanted:
            return None
        try:
            return self.registry.choose_space(wanted)
        except MmdeskError:
            return None

    def use_space(self, space_id: str) -> bool:
        """Switch to another model. Returns True when done at once (its index is complete);
        otherwise the switch is pending: the next index run builds the new vectors while
        search keeps using the old space, and completes the switch at its end.
        Nothing is deleted: vectors stay stored per encoder."""
        space = self.registry.choose_space(space_id)
        if self.coverage(space) >= 1.0:
            self.store.set_setting("active_space", space.id)
            self.store.set_setting("pending_space", None)
            return True
        self.store.set_setting("pending_space", space.id)
        return False

    def coverage(self, space: Space) -> float:
        """Share of the library's present items that have vectors in ``space``."""
        total = (
            self.store.scalar(
                "SELECT COUNT(*) FROM items i JOIN files f ON f.id=i.file_id "
                "WHERE f.status='indexed'"
            )
            or 0
        )
        if not total:
            return 1.0
        ids = space.encoder_ids("image")
        marks = ",".join("?" * len(ids))
        have = (
            self.store.scalar(
                "SELECT COUNT(DISTINCT e.item_id) FROM embeddings e JOIN items i ON i.id=e.item_id"
                " JOIN files f ON f.id=i.file_id WHERE f.status='indexed'"
                f" AND e.encoder IN ({marks})",
                ids,
            )
            or 0
        )
        return have / total

    def library_roots(self) -> list[Path]:
        return [Path(f["path"]) for f in self.store.folders()]

    def searcher(self) -> Searcher:
        space = self.space()
        if self._searcher is None or self._searcher.space.id != space.id:
            self._searcher = Searcher(self.store, self.registry, space)
        return self._searcher

    def index(self, roots: list[Path] | None = None, state: TaskState | None = None) -> IndexReport:
        """Index ``roots`` (default: every library folder) for the active space and, during a
        model switch, the pending one; completes the switch when the new index is whole."""
        spaces = [self.space()]
        pending = self.pending_space()
        if pending and pending.id != spaces[0].id:
            spaces.append(pending)
        ids = [i for s in spaces for i in s.encoder_ids("image")]
        encoders = [self.registry.encoder(i) for i in dict.fromkeys(ids)]
        report = index_paths(
            self.store,
            roots or self.library_roots(),
            encoders,
            state=state,
            batch_size=self.settings.batch_size,
            workers=max(2, min(4, self.settings.threads or 2)),
        )
        if pending and not report.cancelled:
            self.use_space(pending.id)  # switches only if the new index is now whole
        return report

    def search(self, text: str, filters: Filters | None = None) -> list[Result]:
        return self.searcher().search_text(text, filters)

    def similar(self, target: str | int, filters: Filters | None = None) -> list[Result]:
        return self.searcher().similar(target, filters)

    def status(self) -> dict[str, Any]:
        counts = self.store.counts()
        try:
            space: str | None = self.space().id
        except Exception:
            space = None
        pending = self.pending_space()
        counts.update(
            space=space,
            pending_space=pending.id if pending else None,
            database=str(self.settings.db_path),
            data_dir=str(self.settings.data_dir),
        )
        return counts
