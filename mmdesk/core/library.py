"""The library facade: settings + store + plugins + search, as the CLI and the GUI use them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mmdesk.config import Settings
from mmdesk.core.indexer import IndexReport, index_paths
from mmdesk.core.search import Filters, Result, Searcher
from mmdesk.core.tasks import TaskState
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

    def searcher(self) -> Searcher:
        space = self.space()
        if self._searcher is None or self._searcher.space.id != space.id:
            self._searcher = Searcher(self.store, self.registry, space)
        return self._searcher

    def index(self, roots: list[Path], state: TaskState | None = None) -> IndexReport:
        space = self.space()
        encoders = [self.registry.encoder(i) for i in space.encoder_ids("image")]
        return index_paths(self.store, roots, encoders, state=state,
                           batch_size=self.settings.batch_size,
                           workers=max(2, min(4, self.settings.threads or 2)))

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
        counts.update(space=space, database=str(self.settings.db_path),
                      data_dir=str(self.settings.data_dir))
        return counts
