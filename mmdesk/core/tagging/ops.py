"""The Library's tag operations (a mixin of :class:`mmdesk.core.library.Library`).

A person's labels say an item is a tag or is not; accepting or rejecting a prediction in the
review view makes it one of those. Classifier work (listing, predicting, review queues) is in
:class:`~mmdesk.core.tagging.classifier_ops.ClassifierOps`; renaming, merging, deleting and
colouring tags, and undoing that, in :class:`~mmdesk.core.tagging.manage.TagManageOps`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from mmdesk.core.jobs import Changes
from mmdesk.core.tagging.classifier_ops import ClassifierOps
from mmdesk.core.tagging.manage import TagManageOps, tag_name
from mmdesk.core.tagging.sources import NOT, USER, shown_labels
from mmdesk.errors import MmdeskError

if TYPE_CHECKING:
    from mmdesk.store import Store


class TaggingOps(TagManageOps, ClassifierOps):
    """Labels: read them, add and remove them. Every write returns Changes."""

    if TYPE_CHECKING:
        store: Store

        def daily_backup(self) -> Path | None: ...

    def tags(self) -> list[tuple[str, int]]:
        """Tag names with how many present items a person said carry each; a parent's count
        takes in its descendants' items (``Places`` counts those of ``Places/Paris``), as
        filtering by it does."""
        return self.store.tag_tree_counts(source=USER)

    def labels_for(self, item_id: int) -> list[dict[str, Any]]:
        """The item's tags: ``[{"name", "source": "user" | "not" | "predicted", "score"}]``.
        A prediction the person confirmed or rejected shows only as the person's label."""
        return shown_labels(self.store.labels_for(item_id))

    def tag_counts_for(self, item_ids: list[int]) -> dict[str, int]:
        """How many of the items a person said carry each tag (the selection's tag menu)."""
        return self.store.tag_counts_for(item_ids, source=USER)

    def label_counts(self, tag: str) -> dict[str, int]:
        """``{"positives", "negatives", "predicted"}`` of a tag: what a person said it is and
        is not, and the items only a classifier says are (the training dialog's counts)."""
        return self.store.label_counts(tag)

    def tag(self, item_ids: list[int], name: str) -> Changes:
        """Say the items are ``name`` (replacing a "not" the person said before)."""
        return self._label(item_ids, name, USER)

    def tag_not(self, item_ids: list[int], name: str) -> Changes:
        """Say the items are not ``name``: a negative example for training, and a prediction
        of it is hidden (replacing a "user" label the person put before)."""
        return self._label(item_ids, name, NOT)

    def accept(self, item_ids: list[int], tag: str) -> Changes:
        """The review view's yes: the prediction becomes the person's label."""
        return self.tag(item_ids, tag)

    def reject(self, item_ids: list[int], tag: str) -> Changes:
        """The review view's no: the items are not ``tag``."""
        return self.tag_not(item_ids, tag)

    def untag(self, item_ids: list[int], name: str) -> Changes:
        """Forget what the person said about ``name`` on the items (is or is not)."""
        if not self.store.tag_exists(name):
            raise MmdeskError(f"there is no tag {name!r}")
        self.daily_backup()
        with self.store.transaction():
            for source in (USER, NOT):
                self.store.remove_label(item_ids, name, source=source)
        return Changes(labels=set(item_ids), tags=True)

    def _label(self, item_ids: list[int], name: str, source: str) -> Changes:
        name = tag_name(name)  # "Places / Paris" is Places/Paris
        self.daily_backup()
        self.store.set_person_label(item_ids, name, source)
        return Changes(labels=set(item_ids), tags=True)

    def tag_names_for(self, item_ids: list[int]) -> dict[int, list[str]]:
        """The tags a person gave each item, sorted; untagged items are left out (the grid's
        tiles show them, a page at a time)."""
        return self.store.tag_names_for(item_ids, source=USER)
