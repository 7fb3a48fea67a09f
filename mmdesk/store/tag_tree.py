"""Managing tags as a tree: ``Places/Paris`` is a child of ``Places``. Rename, merge and delete
whole branches, colours, and the rows an undo snapshot keeps and restores (see
:mod:`mmdesk.core.tagging.snapshot`). A mixin of the Store under :class:`LabelsMixin`.

Tag names compare case-insensitively (the ``tags.name`` column is ``COLLATE NOCASE``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from mmdesk.errors import StoreError
from mmdesk.store.base import StoreBase
from mmdesk.store.items import id_list

TagRow = tuple[int, str, str | None, float]  # id, name, color, created_at
LabelRow = tuple[int, int, str, float | None, float]  # item_id, tag_id, source, score, created_at

SEP = "/"
# A tag named ?, or one under it (``name/...``, as a range the NOCASE index answers); three
# parameters, each the name.
_UNDER = "(name = ? OR (name > ? || '/' AND name < ? || '0'))"
_TAG_COLUMNS = "id, name, color, created_at"
# Counted as filtered: present items only (not those of missing files or removed folders).
_PRESENT = (
    "EXISTS (SELECT 1 FROM items i JOIN files f ON f.id=i.file_id WHERE i.id=l.item_id "
    "AND f.status = 'indexed')"
)


def is_under(name: str, parent: str) -> bool:
    """Whether tag ``name`` is ``parent`` or one of its descendants (case-insensitive)."""
    name, parent = name.lower(), parent.lower()
    return name == parent or name.startswith(parent + SEP)


def ancestors(name: str) -> list[str]:
    """``a/b/c`` -> ``["a", "a/b"]``."""
    parts = name.split(SEP)
    return [SEP.join(parts[:i]) for i in range(1, len(parts))]


def _temp(tag_id: int) -> str:
    return f"\x1fmoving {tag_id}"  # no tag is named so (not NUL: NOCASE stops at it)


class TagTreeMixin(StoreBase):
    """Branches of tags: read, move, merge, delete, colour, snapshot and restore."""

    def tags_under(self, names: Iterable[str]) -> list[TagRow]:
        """The tags named ``names`` and their descendants, by name."""
        found: dict[int, TagRow] = {}
        for name in names:
            for row in self._sql(f"SELECT {_TAG_COLUMNS} FROM tags WHERE {_UNDER}", [name] * 3):
                found[row[0]] = (int(row[0]), row[1], row[2], float(row[3]))
        return sorted(found.values(), key=lambda r: r[1].lower())

    def tag_rows(self, names: Iterable[str]) -> list[TagRow]:
        """The tags named exactly ``names`` (those that exist)."""
        rows = [self._sql(f"SELECT {_TAG_COLUMNS} FROM tags WHERE name=?", (n,)) for n in names]
        return [(int(r[0]), r[1], r[2], float(r[3])) for cur in rows for r in cur]

    def labels_of_tags(
        self, tag_ids: Iterable[int], item_ids: Iterable[int] | None = None
    ) -> list[LabelRow]:
        """Every label row of these tags (of ``item_ids`` only, if given)."""
        rows = self._sql(
            "SELECT item_id, tag_id, source, score, created_at FROM labels WHERE tag_id IN "
            "(SELECT value FROM json_each(?1)) AND (?2 IS NULL OR item_id IN "
            "(SELECT value FROM json_each(?2))) ORDER BY tag_id, item_id, source",
            (id_list(tag_ids), None if item_ids is None else id_list(item_ids)),
        )
        return [(int(i), int(t), s, sc, float(c)) for i, t, s, sc, c in rows]

    def tag_tree_counts(self, *, source: str | None = None) -> list[tuple[str, int]]:
        """Every tag with how many present items carry it or one of its descendants (labels
        of ``source`` only, if given): what filtering by the tag shows."""
        rows = self._sql(
            "SELECT p.name, COUNT(DISTINCT l.item_id) FROM tags p LEFT JOIN tags t ON "
            "(t.id = p.id OR (t.name > p.name || '/' AND t.name < p.name || '0'))"
            f" LEFT JOIN labels l ON l.tag_id=t.id AND (?1 IS NULL OR l.source=?1) AND {_PRESENT}"
            " GROUP BY p.id ORDER BY p.name",
            (source,),
        )
        return [(r[0], int(r[1])) for r in rows]

    def tag_colors(self) -> dict[str, str]:
        """Tag name -> its colour ("#rrggbb"), for the tags that have one."""
        return dict(self._sql("SELECT name, color FROM tags WHERE color IS NOT NULL"))

    def set_tag_color(self, name: str, color: str | None) -> None:
        """Give a tag a colour (None: none)."""
        with self._write():
            cur = self._sql("UPDATE tags SET color=? WHERE name=?", (color, name.strip()))
        if not cur.rowcount:
            raise StoreError(f"there is no tag {name!r}")

    def ensure_tag_parents(self, name: str) -> None:
        """Create the missing ancestors of a nested tag (``a/b/c`` needs ``a`` and ``a/b``),
        so that every branch of the tree is a tag that can be renamed, coloured, filtered."""
        now = time.time()
        with self._write():
            self._many(
                "INSERT OR IGNORE INTO tags(name, created_at) VALUES (?, ?)",
                [(parent, now) for parent in ancestors(name)],
            )

    def move_tag(self, source: str, into: str, *, merge: bool) -> set[int]:
        """Rename tag ``source`` and its descendants to ``into`` (``source/x`` becomes
        ``into/x``). Where a new name is taken: with ``merge`` the labels join that tag
        (see :meth:`_merge_labels`), else nothing changes and it is an error. Returns the
        items whose labels changed."""
        with self.transaction():
            rows = self.tags_under([source])
            if not rows:
                raise StoreError(f"there is no tag {source!r}")
            touched = self._items_of([r[0] for r in rows])
            self._many("UPDATE tags SET name=? WHERE id=?", [(_temp(r[0]), r[0]) for r in rows])
            for tag_id, name, *_ in rows:
                target = into + name[len(source) :]
                taken = self.scalar("SELECT id FROM tags WHERE name=?", (target,))
                if taken is None:
                    self._sql("UPDATE tags SET name=? WHERE id=?", (target, tag_id))
                elif merge:
                    self._merge_labels(tag_id, int(taken))
                    self._sql("DELETE FROM tags WHERE id=?", (tag_id,))
                else:
                    raise StoreError(f"there is already a tag {target!r}: merge into it instead")
            self.ensure_tag_parents(into)
        return touched

    def _merge_labels(self, source_id: int, into_id: int) -> None:
        """Labels of one tag join another's: an item labelled twice keeps one label, and a
        person's "is" wins over their "is not"; a person named by the tag keeps it, and a
        classifier's label tied to it follows it (its predictions land on ``into``)."""
        self._sql(
            "INSERT OR IGNORE INTO labels(item_id, tag_id, source, score, created_at) "
            "SELECT item_id, ?, source, score, created_at FROM labels WHERE tag_id=?",
            (into_id, source_id),
        )
        self._sql(
            "DELETE FROM labels WHERE tag_id=?1 AND source='not' AND item_id IN "
            "(SELECT item_id FROM labels WHERE tag_id=?1 AND source='user')",
            (into_id,),
        )
        self._sql("UPDATE people SET tag_id=? WHERE tag_id=?", (into_id, source_id))
        self._sql("UPDATE classifier_tags SET tag_id=? WHERE tag_id=?", (into_id, source_id))

    def delete_tags(self, tag_ids: Iterable[int]) -> set[int]:
        """Delete tags and their labels; returns the items that lost labels."""
        ids = list(tag_ids)
        with self.transaction():
            touched = self._items_of(ids)
            self._many("DELETE FROM tags WHERE id=?", [(i,) for i in ids])
        return touched

    def _items_of(self, tag_ids: Iterable[int], item_ids: Iterable[int] | None = None) -> set[int]:
        return {row[0] for row in self.labels_of_tags(tag_ids, item_ids)}

    # undo ---------------------------------------------------------------------------------
    def restore_tag_rows(
        self,
        names: list[str],
        tags: list[TagRow],
        labels: list[LabelRow],
        item_ids: list[int] | None,
    ) -> set[int]:
        """Make the branches ``names`` (and their ancestors' rows) what ``tags`` and
        ``labels`` say they were, labels of ``item_ids`` only if given; returns the items
        whose labels changed. A tag comes back with its old id when that id is free, so what
        refers to it by id (classifiers, people) finds it again. A tag that did not exist
        then is deleted; with ``item_ids``, only once no labels and no children remain."""
        with self.transaction():
            now = {r[0]: r for r in self.tags_under(names)}
            deep = set(now)
            now.update({r[0]: r for r in self.tag_rows(a for n in names for a in ancestors(n))})
            self._many("UPDATE tags SET name=? WHERE id=?", [(_temp(i), i) for i in now])
            ids = self._place_rows(tags, now)
            left = {i: now[i] for i in now if i not in ids.values()}
            touched = self._replace_labels(
                deep | {ids[t[0]] for t in tags if any(is_under(t[1], n) for n in names)},
                labels,
                ids,
                item_ids,
            )
            self._drop_left(left, deep if item_ids is None else set())
            self._relink_people(set(ids.values()))
        return touched

    def _relink_people(self, tag_ids: set[int]) -> None:
        """A named person whose tag was deleted (their ``tag_id`` set NULL) is tied to it
        again when it comes back under their name."""
        self._sql(
            "UPDATE people SET tag_id=(SELECT t.id FROM tags t WHERE t.name=people.name) "
            "WHERE tag_id IS NULL AND name IN "
            "(SELECT name FROM tags WHERE id IN (SELECT value FROM json_each(?)))",
            (id_list(sorted(tag_ids)),),
        )

    def _place_rows(self, tags: list[TagRow], now: dict[int, TagRow]) -> dict[int, int]:
        """Put each snapshot row back on a current row (same id, else same name) or a new
        one; returns snapshot id -> row id."""
        ids: dict[int, int] = {}
        free = dict(now)
        rows = {t[0]: free.pop(t[0]) for t in tags if t[0] in free}  # the same tag, first
        for tag_id, name, _, _ in tags:
            if tag_id not in rows:
                same = next((i for i, r in free.items() if r[1].lower() == name.lower()), None)
                if same is not None:
                    rows[tag_id] = free.pop(same)
        for tag_id, name, color, created in tags:
            row = rows.get(tag_id)
            if row is not None:
                self._sql(
                    "UPDATE tags SET name=?, color=?, created_at=? WHERE id=?",
                    (name, color, created, row[0]),
                )
                ids[tag_id] = row[0]
                continue
            taken = self.scalar("SELECT 1 FROM tags WHERE id=?", (tag_id,)) is not None
            cur = self._sql(
                "INSERT INTO tags(id, name, color, created_at) VALUES (?, ?, ?, ?)",
                (None if taken else tag_id, name, color, created),
            )
            ids[tag_id] = int(cur.lastrowid or 0)
        return ids

    def _replace_labels(
        self,
        tag_ids: set[int],
        labels: list[LabelRow],
        ids: dict[int, int],
        item_ids: list[int] | None,
    ) -> set[int]:
        touched = self._items_of(tag_ids, item_ids)
        self._sql(
            "DELETE FROM labels WHERE tag_id IN (SELECT value FROM json_each(?1)) AND "
            "(?2 IS NULL OR item_id IN (SELECT value FROM json_each(?2)))",
            (id_list(tag_ids), None if item_ids is None else id_list(item_ids)),
        )
        self._many(
            "INSERT OR REPLACE INTO labels(item_id, tag_id, source, score, created_at) "
            "SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM items WHERE id=?1)",
            [(i, ids[t], s, sc, c) for i, t, s, sc, c in labels if t in ids],
        )
        return touched | {row[0] for row in labels}

    def _drop_left(self, left: dict[int, TagRow], delete: set[int]) -> None:
        """Tags that did not exist at the snapshot: deleted (``delete``), or when they hold
        nothing (no labels, no children); the others get their names back."""
        for tag_id, (_, name, *_) in sorted(left.items(), key=lambda kv: -len(kv[1][1])):
            empty = tag_id in delete or (
                self.scalar("SELECT 1 FROM labels WHERE tag_id=? LIMIT 1", (tag_id,)) is None
                and not self._has_children(name)
            )
            if empty:
                self._sql("DELETE FROM tags WHERE id=?", (tag_id,))
            else:
                self._sql("UPDATE tags SET name=? WHERE id=?", (name, tag_id))

    def _has_children(self, name: str) -> bool:
        found = self.scalar(
            "SELECT 1 FROM tags WHERE name > ?1 || '/' AND name < ?1 || '0' LIMIT 1",
            (name,),
        )
        return found is not None

    def snapshot_rows(
        self, names: list[str], item_ids: list[int] | None
    ) -> tuple[list[TagRow], list[LabelRow]]:
        """The rows :meth:`restore_tag_rows` puts back: the branches ``names`` and the rows of
        their ancestors, and the branches' labels (of ``item_ids`` only, if given)."""
        deep = self.tags_under(names)
        shallow = self.tag_rows(a for n in names for a in ancestors(n))
        rows = {r[0]: r for r in [*shallow, *deep]}
        return list(rows.values()), self.labels_of_tags([r[0] for r in deep], item_ids)
