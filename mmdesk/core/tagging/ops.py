"""The Library's tag operations (a mixin of :class:`mmdesk.core.library.Library`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from mmdesk.core.jobs import Changes
from mmdesk.errors import MmdeskError

if TYPE_CHECKING:
    from mmdesk.store import Store


class TaggingOps:
    """Labels: read them, add and remove them. Every write returns Changes."""

    if TYPE_CHECKING:
        store: Store

        def daily_backup(self) -> Path | None: ...

    def tags(self) -> list[tuple[str, int]]:
        """Tag names with how many items carry each."""
        return self.store.tag_counts()

    def labels_for(self, item_id: int) -> list[dict[str, Any]]:
        """The item's tags: ``[{"name", "source", "score"}]``."""
        return self.store.labels_for(item_id)

    def tag_counts_for(self, item_ids: list[int]) -> dict[str, int]:
        return self.store.tag_counts_for(item_ids)

    def tag(self, item_ids: list[int], name: str) -> Changes:
        if not name.strip():
            raise MmdeskError("a tag needs a name")
        self.daily_backup()
        self.store.add_label(item_ids, name)
        return Changes(labels=set(item_ids), tags=True)

    def untag(self, item_ids: list[int], name: str) -> Changes:
        if not self.store.tag_exists(name):
            raise MmdeskError(f"there is no tag {name!r}")
        self.daily_backup()
        self.store.remove_label(item_ids, name)
        return Changes(labels=set(item_ids), tags=True)
