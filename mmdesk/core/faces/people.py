"""People: the library's faces grouped into persons, and what a person does with them.

Naming a person makes (or reuses) a tag of that name and labels every photo of them with it,
as source ``user``: naming is the person saying "these are Grandpa", and a ``user`` label is
what the tag filter, the Tags list, training and backups already understand. A photo the
person said is *not* that tag keeps its "not". Faces that join a named person later get the
tag too; faces moved out (split, merge) take it off photos no longer showing that person.
Two people given one name become one person.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from mmdesk.core.faces.cluster import place
from mmdesk.core.jobs import Changes
from mmdesk.core.search.results import Result
from mmdesk.errors import MmdeskError

if TYPE_CHECKING:
    from mmdesk.core.library import Library
    from mmdesk.store import Store

DIM, MATCH = 128, 0.6  # dlib's face embeddings and their usual same-person distance
LOOSER = 0.1  # "more photos of this person" also shows faces this much further away


def people(library: Library) -> list[dict[str, Any]]:
    """Every person: ``{"id", "name", "tag_id", "faces", "photos", "cover"}``; the cover is
    their largest face (``{"item_id", "path", "box"}``), for a thumbnail crop. None while
    faces are turned off."""
    from mmdesk.core.faces import faces_enabled

    if not faces_enabled(library):
        return []
    found = library.store.people_rows()
    for person in found:
        faces = library.store.person_faces(person["id"])
        person["cover"] = {k: faces[0][k] for k in ("item_id", "path", "box")} if faces else None
    return found


def person(library: Library, person_id: int) -> dict[str, Any]:
    """One person's row, or an error naming the missing id."""
    row = library.store.person_row(person_id)
    if row is None:
        raise MmdeskError(f"there is no person {person_id} (see `mmdesk people`)")
    return row


def photos_of(library: Library, person_id: int) -> list[Result]:
    """The photos showing a person, largest face first."""
    person(library, person_id)
    items = list(dict.fromkeys(f["item_id"] for f in library.store.person_faces(person_id)))
    info = library.store.items_info(items)
    return [Result.from_row(info[i], 1.0).because(["people"]) for i in items if i in info]


def more_photos_of(library: Library, person_id: int, limit: int = 100) -> list[Result]:
    """Photos whose faces look like a person's but are not theirs (yet), nearest first,
    scored ``1 - distance``: where to find the photos clustering left out."""
    person(library, person_id)
    faces = library.store.face_vectors(DIM)
    mine = faces.person_ids == person_id
    if not mine.any():
        return []
    own_items = set(faces.item_ids[mine].tolist())
    others = ~mine & ~np.isin(faces.item_ids, list(own_items))
    d = _distances(faces.matrix[others], faces.matrix[mine]).min(axis=1)
    best: dict[int, float] = {}
    for item, dist in zip(faces.item_ids[others].tolist(), d.tolist(), strict=True):
        if dist < MATCH + LOOSER:
            best[item] = min(best.get(item, dist), dist)
    items = sorted(best, key=best.__getitem__)[:limit]
    info = library.store.items_info(items)
    return [Result.from_row(info[i], 1.0 - best[i]).because(["people"]) for i in items if i in info]


def name_person(library: Library, person_id: int, name: str) -> Changes:
    """Name a person: their photos get the tag ``name``; an old name's labels come off, and
    another person of this name is merged into this one."""
    name = name.strip()
    if not name:
        raise MmdeskError("a person needs a name")
    store, row = library.store, person(library, person_id)
    library.daily_backup()
    with store.transaction():
        items = store.person_items(person_id)
        if row["tag_id"] is not None:
            _untag(store, row["tag_id"], items)
        tag_id = store.tag_id(name)
        store.set_person_name(person_id, name, tag_id)
        for other in store.people_rows():
            if other["tag_id"] == tag_id and other["id"] != person_id:
                _move(store, other["id"], person_id)
        items = store.person_items(person_id)
        _tag(store, name, items)
    return Changes(labels=set(items), tags=True)


def merge_people(library: Library, keep: int, other: int) -> Changes:
    """Put ``other``'s faces in ``keep``: one person. ``keep`` takes ``other``'s name when it
    has none; the tag of a forgotten name comes off."""
    if keep == other:
        raise MmdeskError("a person cannot be merged into themselves")
    store, kept, gone = library.store, person(library, keep), person(library, other)
    with store.transaction():
        items = set(store.person_items(other))
        if gone["tag_id"] is not None and gone["tag_id"] != kept["tag_id"]:
            _untag(store, gone["tag_id"], items)
        _move(store, other, keep)
        if kept["name"] is None and gone["name"] is not None:
            store.set_person_name(keep, gone["name"], store.tag_id(gone["name"]))
        items |= set(store.person_items(keep))
        name = store.person_row(keep)["name"]  # type: ignore[index]
        if name:
            _tag(store, name, sorted(items))
    return Changes(labels=items, tags=True)


def split_person(library: Library, person_id: int, face_ids: Iterable[int]) -> tuple[int, Changes]:
    """Move some of a person's faces to a new, unnamed person; returns its id. Photos that no
    longer show the named person lose their tag."""
    store, row = library.store, person(library, person_id)
    faces = {f["id"] for f in store.person_faces(person_id)}
    moving = [int(f) for f in face_ids]
    strangers = [f for f in moving if f not in faces]
    if not moving or strangers:
        raise MmdeskError(f"faces {strangers or moving} are not faces of person {person_id}")
    with store.transaction():
        before = set(store.person_items(person_id))
        new = store.add_person()
        store.assign_faces([(f, new) for f in moving], pin=True)
        left = before - set(store.person_items(person_id))
        if row["tag_id"] is not None:
            _untag(store, row["tag_id"], left)
        store.drop_empty_people()
    return new, Changes(labels=left, tags=bool(left))


def place_new_faces(library: Library, threshold: float = MATCH, dim: int = DIM) -> int:
    """Give each face without a person one: the nearest placed face's person within
    ``threshold``, or a new person per group of nearby new faces; returns how many moved."""
    store = library.store
    faces = store.face_vectors(dim)
    grouping = place(faces.face_ids, faces.person_ids, faces.matrix, threshold)
    with store.transaction():
        store.assign_faces(grouping.joined)
        for group in grouping.groups:
            new = store.add_person()
            store.assign_faces([(f, new) for f in group])
        _tag_joined(store, grouping.joined)
    return len(grouping.joined) + sum(len(g) for g in grouping.groups)


def recluster(library: Library, threshold: float = MATCH, dim: int = DIM) -> Changes:
    """Group the faces again from scratch, but for named people's faces and faces a person
    placed by hand, which stay where they are."""
    store = library.store
    named = {p["id"] for p in store.people_rows() if p["name"]}
    faces = store.face_vectors(dim)
    loose = ~np.isin(faces.person_ids, list(named)) & ~faces.pinned
    with store.transaction():
        store.assign_faces([(int(f), None) for f in faces.face_ids[loose]])
        store.drop_empty_people()
        place_new_faces(library, threshold, dim)
    return Changes(items=True, tags=True)


def set_faces_enabled(library: Library, enabled: bool) -> Changes:
    """Turn faces on (the next index run finds them) or off (every face and person is
    deleted now; tags that named people stay on their photos)."""
    from mmdesk.core.faces import SETTING

    with library.store.transaction():
        library.store.set_setting(SETTING, "on" if enabled else "off")
        if not enabled:
            library.store.delete_all_faces()
    return Changes(items=True, tags=True)


def _distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    sq = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
    return np.sqrt(np.maximum(sq, 0.0))


def _move(store: Store, source: int, target: int) -> None:
    """Every face of ``source`` into ``target`` (pinned: a person decided), ``source`` gone."""
    faces = [f["id"] for f in store.person_faces(source)]
    store.assign_faces([(f, target) for f in faces], pin=True)
    store.drop_empty_people()


def _tag(store: Store, name: str, items: Iterable[int]) -> None:
    """Label the items ``name`` (source user), except those the person said are not it."""
    ids = list(items)
    refused = {
        i
        for i in ids
        for r in store.labels_for(i)
        if r["name"].casefold() == name.casefold() and r["source"] == "not"
    }
    store.add_label([i for i in ids if i not in refused], name)


def _untag(store: Store, tag_id: int, items: Iterable[int]) -> None:
    name = store.tag_name(tag_id)
    if name is not None:
        store.remove_label(list(items), name)


def _tag_joined(store: Store, joined: list[tuple[int, int]]) -> None:
    """Faces that joined a named person: their photos get the person's tag."""
    names = {p["id"]: p["name"] for p in store.people_rows() if p["name"]}
    for person_id, name in names.items():
        faces = {f for f, p in joined if p == person_id}
        if faces:
            items = {f["item_id"] for f in store.person_faces(person_id) if f["id"] in faces}
            _tag(store, name, sorted(items))
