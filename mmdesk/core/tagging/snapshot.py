"""Undo for tag edits: what some tags and their labels were, and putting that back exactly.

A front end takes a :class:`TagSnapshot` before an edit and one after (on the same thread as
the edit, so nothing slips between); undo restores the first, redo the second. A snapshot
covers whole branches (a tag and its ``/`` descendants) plus the rows of their ancestors, so a
rename, merge or delete of a parent comes back with its children, colours and ids.
"""

from __future__ import annotations

from dataclasses import dataclass

from mmdesk.store.tag_tree import LabelRow, TagRow


@dataclass(frozen=True)
class TagSnapshot:
    """Tags and labels as they were.

    Attributes:
        names: the branches covered (tag names; each with its descendants).
        item_ids: the items whose labels were kept (None: every item).
        tags: ``(id, name, color, created_at)`` of the branches' tags and their ancestors.
        labels: ``(item_id, tag_id, source, score, created_at)`` of the branches' labels.
    """

    names: tuple[str, ...]
    item_ids: tuple[int, ...] | None
    tags: tuple[TagRow, ...]
    labels: tuple[LabelRow, ...]

    @property
    def tag_names(self) -> list[str]:
        """The names of the tags that existed then."""
        return [row[1] for row in self.tags]
