"""People: clustering, naming (a tag on their photos), merge, split, faces off, the classifier
modality."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from faces_kit import item_of

from mmdesk.core.faces import people as ops
from mmdesk.core.faces.cluster import place
from mmdesk.core.library_settings import set_setting
from mmdesk.core.search import Filters
from mmdesk.core.tagging.features import load_features


def person_of(library, path: Path) -> int:
    faces = library.store.faces_for(item_of(library, path))
    assert len(faces) == 1
    return int(faces[0]["person_id"])


def test_two_photos_of_one_face_are_one_person_and_another_is_apart(library, face_photos) -> None:
    astronaut = person_of(library, face_photos["astronaut"])
    assert person_of(library, face_photos["astronaut_again"]) == astronaut
    other = person_of(library, face_photos["other"])
    assert other != astronaut
    group = library.store.faces_for(item_of(library, face_photos["group"]))
    assert len({f["person_id"] for f in group}) == 3  # three different people
    assert other in {f["person_id"] for f in group}  # the same LFW face, in the group photo


def test_new_faces_join_the_nearest_person_within_the_threshold() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=128).astype(np.float32), rng.normal(size=128).astype(np.float32)
    matrix = np.stack([a, b, a + 0.01, b + 0.01, a * 3, a * 3 + 0.01])
    grouping = place(np.arange(1, 7), np.array([10, 11, -1, -1, -1, -1]), matrix, 0.6)
    assert grouping.joined == [(3, 10), (4, 11)]
    assert grouping.groups == [[5, 6]]


def test_naming_a_person_tags_every_photo_of_them(library, face_photos) -> None:
    astronaut = person_of(library, face_photos["astronaut"])
    changes = ops.name_person(library, astronaut, "Eileen")
    items = {item_of(library, face_photos[r]) for r in ("astronaut", "astronaut_again")}
    assert changes.labels == items
    tagged = library.browse(Filters(tags=["Eileen"]))
    assert {r.item_id for r in tagged} == items
    assert ("Eileen", 2) in library.tags()
    ops.name_person(library, astronaut, "Eileen Collins")  # renaming moves the tag
    assert not library.browse(Filters(tags=["Eileen"]))
    assert len(library.browse(Filters(tags=["Eileen Collins"]))) == 2


def test_merge_and_split(library, face_photos) -> None:
    astronaut = person_of(library, face_photos["astronaut"])
    other = person_of(library, face_photos["other"])
    ops.name_person(library, other, "Sam")
    ops.merge_people(library, astronaut, other)
    merged = {p["id"]: p for p in ops.people(library)}
    assert other not in merged and merged[astronaut]["name"] == "Sam"
    assert merged[astronaut]["photos"] == 4  # both astronaut photos, "other" and the group
    face = library.store.faces_for(item_of(library, face_photos["other"]))[0]["id"]
    new, _ = ops.split_person(library, astronaut, [face])
    assert person_of(library, face_photos["other"]) == new
    sams = {r.path for r in library.browse(Filters(tags=["Sam"]))}
    assert str(face_photos["other"]) not in sams and str(face_photos["astronaut"]) in sams


def test_photos_and_more_photos_of_a_person(library, face_photos) -> None:
    astronaut = person_of(library, face_photos["astronaut"])
    photos = {Path(r.path).name for r in ops.photos_of(library, astronaut)}
    assert photos == {"astronaut.png", "astronaut-again.jpg"}
    face = library.store.faces_for(item_of(library, face_photos["astronaut_again"]))[0]["id"]
    ops.split_person(library, astronaut, [face])
    more = ops.more_photos_of(library, astronaut)
    names = [Path(r.path).name for r in more]
    assert names[0] == "astronaut-again.jpg"  # nearest first; looser look-alikes may follow
    assert "astronaut.png" not in names and not {"rocket.jpg", "cat.png"} & set(names)


def test_turning_faces_off_deletes_every_face_and_person(library, face_photos) -> None:
    ops.name_person(library, person_of(library, face_photos["astronaut"]), "Eileen")
    ops.set_faces_enabled(library, False)
    assert library.store.face_count() == 0 and ops.people(library) == []
    assert len(library.browse(Filters(tags=["Eileen"]))) == 2  # a person's tags stay
    from mmdesk.core.faces.enrich import faces_enricher

    assert faces_enricher(library) is None
    set_setting(library.store, "faces", "on")
    job = faces_enricher(library)
    assert job is not None  # every picture is looked at again
    library.run(job)
    assert library.store.face_count() == 6


def test_the_face_modality_is_the_largest_face(library, face_photos) -> None:
    found = load_features(library.store, library.registry, "toy-colours", {"face": 128})
    faced = {item_of(library, face_photos[r]) for r in ("astronaut", "astronaut_again", "other")}
    faced.add(item_of(library, face_photos["group"]))
    assert set(found.item_ids.tolist()) == faced  # the face-less pictures are masked out
    rows = {int(i): n for n, i in enumerate(found.item_ids)}
    a, b = (
        found.arrays["face"][rows[item_of(library, face_photos[r])]]
        for r in ("astronaut", "astronaut_again")
    )
    assert np.linalg.norm(a - b) < 0.6


def test_faces_turned_off_as_a_setting_are_hidden_then_deleted(library) -> None:
    from mmdesk.core.faces.enrich import faces_enricher

    set_setting(library.store, "faces", "off")  # `mmdesk settings faces off`
    assert ops.people(library) == []
    assert faces_enricher(library) is None  # the next index run deletes what is left
    assert library.store.face_count() == 0 and library.store.people_rows() == []


def test_faces_are_a_modality_the_tag_trainer_sees(library, face_photos) -> None:
    from mmdesk.train.data import present_features

    modalities, item_ids, arrays, mask = present_features(library)
    assert "face" in modalities
    column = modalities.index("face")
    astronaut = item_of(library, face_photos["astronaut"])
    rocket = item_of(library, face_photos["rocket"])
    row = {int(i): n for n, i in enumerate(item_ids)}
    assert mask[row[astronaut], column] and not mask[row[rocket], column]
    assert arrays["face"].shape[1] == 128
