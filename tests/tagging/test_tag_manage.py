"""Managing tags: rename, merge, delete, colours, nested tags, undo snapshots, and folder
removal that can be undone — through the Library and the ``mmdesk tags`` commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mmdesk.cli import main
from mmdesk.config import Settings
from mmdesk.core.library import Library
from mmdesk.core.search import Filters
from mmdesk.errors import MmdeskError

Capsys = pytest.CaptureFixture[str]


def _ids(library: Library, colour: str) -> list[int]:
    """The items of one colour's photos, by path."""
    rows = library.browse(Filters(limit=50))
    return sorted(r.item_id for r in rows if Path(r.path).parent.name == colour)


def _state(library: Library) -> tuple[Any, ...]:
    """Every tag row and label row, comparable across an edit and its undo."""
    store = library.store
    tags = store.query("SELECT id, name, color, created_at FROM tags ORDER BY id")
    labels = store.query(
        "SELECT item_id, tag_id, source, score, created_at FROM labels ORDER BY 1, 2, 3"
    )
    return tuple(tuple(r) for r in tags), tuple(tuple(r) for r in labels)


def _tagged(library: Library, tag: str) -> set[int]:
    return {r.item_id for r in library.browse(Filters(tags=[tag], limit=50))}


def test_rename_moves_the_labels_and_the_descendants(library: Library) -> None:
    red, blue = _ids(library, "red"), _ids(library, "blue")
    library.tag(red, "Places/Paris")
    library.tag(blue, "Places")
    assert dict(library.tags()) == {"Places": 6, "Places/Paris": 3}  # the parent was made too
    changes = library.rename_tag("Places", "Trips")
    assert changes.tags and changes.labels == set(red) | set(blue)
    assert dict(library.tags()) == {"Trips": 6, "Trips/Paris": 3}
    assert _tagged(library, "Trips/Paris") == set(red)
    with pytest.raises(MmdeskError, match="no tag 'Places'"):
        library.rename_tag("Places", "Elsewhere")
    library.tag(red[:1], "Holiday")
    with pytest.raises(MmdeskError, match="merge 'Trips' into it instead"):
        library.rename_tag("Trips", "holiday")
    with pytest.raises(MmdeskError, match="under itself"):
        library.rename_tag("Trips", "Trips/More")
    library.rename_tag("Trips/Paris", "trips/paris")  # a change of case is a rename too
    assert dict(library.tags())["trips/paris"] == 3


def test_a_renamed_branch_that_would_collide_changes_nothing(library: Library) -> None:
    red, blue = _ids(library, "red"), _ids(library, "blue")
    library.tag(red, "A/x")
    library.tag(blue, "B/x")
    library.store.delete_tags([library.store.tag_id("B", create=False) or 0])  # as old libraries
    before = _state(library)
    with pytest.raises(MmdeskError, match="already a tag 'B/x': merge into it instead"):
        library.rename_tag("A", "B")
    assert _state(library) == before


def test_merge_collapses_duplicates_and_a_yes_wins_over_a_no(library: Library) -> None:
    red, blue = _ids(library, "red"), _ids(library, "blue")
    library.tag(red, "puppy")
    library.tag(red[:1] + blue, "dog")
    library.tag_not(red[1:2], "dog")  # said not dog, but puppy: the yes wins
    library.tag(red, "puppy/small")
    changes = library.merge_tags("puppy", "dog")
    assert changes.labels >= set(red)
    assert dict(library.tags()) == {"dog": 6, "dog/small": 3}
    assert _tagged(library, "dog") == set(red) | set(blue)
    assert library.labels_for(red[1]) == [
        {"name": "dog", "source": "user", "score": None},
        {"name": "dog/small", "source": "user", "score": None},
    ]
    library.tag(blue, "cat/small")
    before = library.tag_snapshot(["dog", "cat"])
    original = _state(library)
    library.merge_tags("dog", "cat")  # children of the same name merge too
    assert dict(library.tags()) == {"cat": 6, "cat/small": 6}
    library.restore_tags(before)
    assert _state(library) == original
    with pytest.raises(MmdeskError, match="into itself"):
        library.merge_tags("dog", "dog/small")
    with pytest.raises(MmdeskError, match="no tag 'bird'"):
        library.merge_tags("dog", "bird")


def test_delete_with_or_without_the_children(library: Library) -> None:
    red, blue, green = _ids(library, "red"), _ids(library, "blue"), _ids(library, "green")
    library.tag(red, "Places")
    library.tag(blue, "Places/Paris")
    library.tag(green, "Places/Rome/Forum")
    library.tag(green[:1], "Paris")
    library.delete_tag("Places", children=False)  # the children move up a level
    assert dict(library.tags()) == {"Paris": 4, "Rome": 3, "Rome/Forum": 3}
    assert _tagged(library, "Paris") == set(blue) | {green[0]}
    library.delete_tag("Rome")
    assert dict(library.tags()) == {"Paris": 4}
    assert _tagged(library, "Rome/Forum") == set()


def test_undoing_the_delete_of_a_persons_tag_ties_the_person_again(library: Library) -> None:
    store, red = library.store, _ids(library, "red")
    person = store.add_person()
    library.tag(red, "Anna")
    store.set_person_name(person, "Anna", store.tag_id("Anna"))
    snapshot = library.tag_snapshot(["Anna"])
    library.delete_tag("Anna")
    assert store.person_row(person)["tag_id"] is None  # type: ignore[index]
    library.restore_tags(snapshot)
    assert store.person_row(person)["tag_id"] == store.tag_id("Anna", create=False)  # type: ignore[index]
    assert _tagged(library, "Anna") == set(red)


def test_colours_are_checked_and_listed(library: Library) -> None:
    library.tag(_ids(library, "red"), "warm")
    assert library.set_tag_color("warm", "#FF8800").tags
    assert library.tag_colors() == {"warm": "#ff8800"}
    with pytest.raises(MmdeskError, match="#rrggbb"):
        library.set_tag_color("warm", "orange")
    with pytest.raises(MmdeskError, match="no tag 'cold'"):
        library.set_tag_color("cold", "#0000ff")
    library.set_tag_color("warm", None)
    assert library.tag_colors() == {}


def test_a_parent_tag_filters_its_whole_branch_in_search_and_browse(library: Library) -> None:
    red, blue = _ids(library, "red"), _ids(library, "blue")
    library.tag(red, "Places/Paris")
    library.tag(blue, "Places/Rome")
    library.tag(blue[:1], "Placesque")  # a name that only starts alike is no child
    assert _tagged(library, "places") == set(red) | set(blue)
    assert _tagged(library, "Places/Paris") == set(red)
    found = {r.item_id for r in library.search("red", Filters(tags=["Places"], limit=50))}
    assert found and found <= set(red) | set(blue)
    predicted = Filters(tags=["Places"], predicted=True, limit=50)
    assert {r.item_id for r in library.browse(predicted)} == set(red) | set(blue)


@pytest.mark.parametrize(
    "edit",
    [
        lambda lib: lib.rename_tag("Places", "Trips"),
        lambda lib: lib.merge_tags("Places", "sea"),
        lambda lib: lib.delete_tag("Places"),
        lambda lib: lib.delete_tag("Places", children=False),
        lambda lib: lib.set_tag_color("Places/Paris", "#123456"),
    ],
    ids=["rename", "merge", "delete", "delete-keep-children", "colour"],
)
def test_snapshots_undo_and_redo_every_tag_edit_exactly(library: Library, edit: Any) -> None:
    red, blue = _ids(library, "red"), _ids(library, "blue")
    library.tag(red, "Places/Paris")
    library.tag(blue, "Places")
    library.tag(red[:1], "sea")
    library.tag_not(blue[:1], "sea")
    library.set_tag_color("Places", "#abcdef")
    names = ["Places", "Trips", "sea", "Paris"]
    original = _state(library)
    before = library.tag_snapshot(names)
    edit(library)
    after, edited = library.tag_snapshot(names), _state(library)
    assert edited != original
    changes = library.restore_tags(before)
    assert changes.tags and _state(library) == original
    library.restore_tags(after)
    assert _state(library) == edited
    library.restore_tags(before)
    assert _state(library) == original


def test_undoing_a_label_write_removes_the_tags_it_made(library: Library) -> None:
    red = _ids(library, "red")
    library.tag(red[:1], "Places/Rome")
    original = _state(library)
    before = library.tag_snapshot(["Places/Paris"], red)
    library.tag(red, "Places/Paris")
    after = library.tag_snapshot(["Places/Paris"], red)
    assert library.restore_tags(before).labels == set(red)
    assert _state(library) == original
    library.restore_tags(after)
    assert _tagged(library, "Places/Paris") == set(red)
    library.untag(red, "Places/Rome")
    library.restore_tags(before)
    assert dict(library.tags()) == {"Places": 0, "Places/Rome": 0}
    before = library.tag_snapshot(["New/Child"], red)
    library.tag(red, "New/Child")
    library.restore_tags(before)  # the parent it made goes too
    assert dict(library.tags()) == {"Places": 0, "Places/Rome": 0}


def test_an_undoable_folder_removal_keeps_the_labels_until_purged(
    library: Library, photos: Path
) -> None:
    red = _ids(library, "red")
    library.tag(red, "warm")
    library.set_tag_color("warm", "#ff0000")
    library.remove_folder(photos, undoable=True)
    assert library.browse(Filters(limit=50)) == [] and library.folders() == []
    assert library.library_roots() == [] and library.status()["files"] == 0
    assert dict(library.tags()) == {"warm": 0}  # its items left the counts too
    library.restore_folder(photos)
    assert [Path(f["path"]) for f in library.folders()] == [photos]
    assert _tagged(library, "warm") == set(red) and len(library.browse(Filters(limit=50))) == 9
    assert library.index([photos]).indexed == 0  # nothing to index again
    library.remove_folder(photos, undoable=True)
    library.add_folder(photos)  # adding it again brings it back too
    assert _tagged(library, "warm") == set(red)
    library.remove_folder(photos, undoable=True)
    assert library.purge_removed().removed
    assert library.store.scalar("SELECT COUNT(*) FROM labels") == 0
    with pytest.raises(MmdeskError, match="not a removed library folder"):
        library.restore_folder(photos)


def test_closing_the_library_purges_what_it_removed(settings: Settings, photos: Path) -> None:
    with Library(settings) as lib:
        lib.index([photos / "red"])
        lib.tag(_ids(lib, "red"), "warm")
        lib.remove_folder(photos / "red", undoable=True)
        lib.index([photos / "blue"])
        assert lib.index(None).indexed == 0  # a re-scan of every folder leaves it alone
        assert lib.status()["files"] == 3 and lib.library_roots() == [photos / "blue"]
        assert lib.store.scalar("SELECT COUNT(*) FROM labels") == 3
    with Library(settings) as lib:
        assert lib.store.scalar("SELECT COUNT(*) FROM labels") == 0
        assert [Path(f["path"]).name for f in lib.folders()] == ["blue"]
        assert lib.status()["files"] == 3


def _json(capsys: Capsys, argv: list[str]) -> Any:
    assert main(argv) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_the_tags_commands(settings: Settings, photos: Path, capsys: Capsys) -> None:
    assert main(["index", str(photos), "--json"]) == 0
    red = [str(p) for p in sorted((photos / "red").glob("*.png"))]
    blue = [str(p) for p in sorted((photos / "blue").glob("*.png"))]
    assert main(["tag", "add", "Places/Paris", *red]) == 0
    assert main(["tag", "add", "sea", *blue]) == 0
    capsys.readouterr()
    assert main(["tags", "rename", "Places", "Trips"]) == 0
    assert "renamed 'Places' to 'Trips'" in capsys.readouterr().err
    assert main(["tags", "merge", "sea", "Trips/Paris"]) == 0
    assert main(["tags", "color", "Trips", "#00ff00"]) == 0
    capsys.readouterr()
    rows = _json(capsys, ["tags", "--json"])
    assert rows == [
        {"tag": "Trips", "items": 6, "color": "#00ff00"},
        {"tag": "Trips/Paris", "items": 6, "color": None},
    ]
    assert main(["tags"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["     6  Trips  #00ff00", "     6    Paris"]
    assert main(["tags", "color", "Trips", "none"]) == 0
    assert main(["tags", "delete", "Trips"]) == 0
    capsys.readouterr()
    assert _json(capsys, ["tags", "list", "--json"]) == [
        {"tag": "Paris", "items": 6, "color": None}
    ]
    assert main(["tags", "delete", "Paris", "--children"]) == 0
    assert main(["tags", "rename", "nothing", "x"]) == 1
    assert "no tag 'nothing'" in capsys.readouterr().err
    assert main(["folders", "remove", str(photos)]) == 0  # at once and for good, as before
    with Library(settings) as lib:
        assert lib.store.scalar("SELECT COUNT(*) FROM files") == 0
