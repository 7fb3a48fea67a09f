"""Managing tags (a mixin of the Library's :class:`~mmdesk.core.tagging.ops.TaggingOps`):
rename, merge, delete and colour tags, nested by ``/`` (``Places/Paris`` is a child of
``Places``), and the snapshots that undo any of it (:mod:`.snapshot`)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from mmdesk.core.jobs import Changes
from mmdesk.core.tagging.snapshot import TagSnapshot
from mmdesk.errors import MmdeskError
from mmdesk.store.tag_tree import SEP, is_under

if TYPE_CHECKING:
    from mmdesk.store import Store

COLOR = re.compile(r"#[0-9a-fA-F]{6}")


def tag_name(name: str) -> str:
    """A tag name as stored: each ``/`` part trimmed; empty parts are an error."""
    parts = [part.strip() for part in name.split(SEP)]
    if not any(parts):
        raise MmdeskError("a tag needs a name")
    if not all(parts):
        raise MmdeskError(f"{name!r} has an empty part: write nested tags as Parent/Child")
    return SEP.join(parts)


def parent_of(name: str) -> str | None:
    """``Places/Paris`` -> ``Places``; a top-level tag has no parent."""
    return name.rpartition(SEP)[0] or None


class TagManageOps:
    """Tag edits; each returns Changes (``tags``, and ``labels``: the items whose tags
    changed)."""

    if TYPE_CHECKING:
        store: Store

        def daily_backup(self) -> Path | None: ...

    def rename_tag(self, old: str, new: str) -> Changes:
        """Rename a tag and its descendants' prefix (``Places`` -> ``Trips`` makes
        ``Places/Paris`` ``Trips/Paris``). A name already taken is an error: merge instead."""
        old, new = self._known(old), tag_name(new)
        if new == old:
            return Changes()
        if is_under(new, old) and new.lower() != old.lower():
            raise MmdeskError(f"{old!r} cannot move under itself ({new!r})")
        if new.lower() != old.lower() and self.store.tag_exists(new):
            raise MmdeskError(f"there is already a tag {new!r}: merge {old!r} into it instead")
        self.daily_backup()
        return Changes(tags=True, labels=self.store.move_tag(old, new, merge=False))

    def merge_tags(self, source: str, into: str) -> Changes:
        """Move the labels of ``source`` to ``into`` and delete ``source``: an item with both
        keeps one label, and "is" wins over "is not". ``source``'s children move under
        ``into`` (merging with children of the same name)."""
        source, into = self._known(source), self._known(into)
        if is_under(into, source):
            raise MmdeskError(f"cannot merge {source!r} into itself or a tag under it")
        self.daily_backup()
        return Changes(tags=True, labels=self.store.move_tag(source, into, merge=True))

    def delete_tag(self, name: str, *, children: bool = True) -> Changes:
        """Delete a tag and its labels, with its descendants (``children``), or else keep
        them, each child moving up one level (``Places/Paris`` -> ``Paris``, merged into a
        tag of that name if there is one)."""
        name = self._known(name)
        self.daily_backup()
        with self.store.transaction():
            branch = self.store.tags_under([name])
            if children:
                return Changes(tags=True, labels=self.store.delete_tags(r[0] for r in branch))
            touched = self.store.delete_tags(r[0] for r in branch if r[1].lower() == name.lower())
            for child, target in self._promotions(name):
                touched |= self.store.move_tag(child, target, merge=True)
        return Changes(tags=True, labels=touched)

    def promoted_names(self, name: str) -> list[str]:
        """Where ``delete_tag(name, children=False)`` moves the tag's children
        (``Places/Paris`` -> ``Paris``): what its undo snapshot has to cover too."""
        return [target for _, target in self._promotions(self._known(name))]

    def _promotions(self, name: str) -> list[tuple[str, str]]:
        """(child, its name one level up) for each child of the tag."""
        depth = name.count(SEP) + 2  # the parts of a child's name
        children = {
            SEP.join(row[1].split(SEP)[:depth])
            for row in self.store.tags_under([name])
            if row[1].count(SEP) >= depth - 1
        }
        up = parent_of(name)
        out = []
        for child in sorted(children, key=str.lower):
            leaf = child.rpartition(SEP)[2]
            out.append((child, f"{up}{SEP}{leaf}" if up else leaf))
        return out

    def set_tag_color(self, name: str, color: str | None) -> Changes:
        """Give a tag a colour ("#rrggbb"), or take it away (None)."""
        name = self._known(name)
        if color is not None and not COLOR.fullmatch(color):
            raise MmdeskError(f"a tag colour is written #rrggbb, not {color!r}")
        self.store.set_tag_color(name, color.lower() if color else None)
        return Changes(tags=True)

    def tag_colors(self) -> dict[str, str]:
        """Tag name -> "#rrggbb" for the tags that have a colour."""
        return self.store.tag_colors()

    def tag_snapshot(self, names: list[str], item_ids: list[int] | None = None) -> TagSnapshot:
        """What the tags ``names`` (with their descendants and ancestors) and their labels
        (of ``item_ids`` only, if given) are now: the state :meth:`restore_tags` puts back."""
        names = [tag_name(n) for n in names]
        tags, labels = self.store.snapshot_rows(names, item_ids)
        ids = None if item_ids is None else tuple(sorted(set(item_ids)))
        return TagSnapshot(tuple(names), ids, tuple(tags), tuple(labels))

    def restore_tags(self, snapshot: TagSnapshot) -> Changes:
        """Make the snapshot's tags and labels exactly what they were: deleted tags come back
        (with their ids, colours, labels), tags made since go (a rename's new name)."""
        self.daily_backup()
        touched = self.store.restore_tag_rows(
            list(snapshot.names),
            list(snapshot.tags),
            list(snapshot.labels),
            None if snapshot.item_ids is None else list(snapshot.item_ids),
        )
        return Changes(tags=True, labels=touched)

    def _known(self, name: str) -> str:
        """The tag as stored (its spelling), or an error when there is none by that name."""
        name = tag_name(name)
        rows = self.store.tag_rows([name]) or self.store.tags_under([name])
        if not rows:
            raise MmdeskError(f"there is no tag {name!r}")
        return rows[0][1] if rows[0][1].lower() == name.lower() else name
