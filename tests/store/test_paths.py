"""Non-UTF-8 names: the path codec, one definition of "under", and the store round trip."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mmdesk.store import Store
from mmdesk.store.filters import ItemFilter
from mmdesk.store.paths import decode, display_path, encode, is_under, under_sql
from tests.store.conftest import add_item

LATIN1 = os.fsdecode(b"/photos/caf\xe9.jpg")  # '/photos/caf\udce9.jpg'
TRICKY = [
    LATIN1,
    "/plain/ascii.jpg",
    "/ünïcode/日本.png",
    "/x/\U0010fce9 genuine private use",
    "/x/\U0010f7ff escape itself \U0010f7ff\U0010fce9",
    "/x/\ud800 lone high \udfff",
    "",
]


@pytest.mark.parametrize("path", TRICKY)
def test_codec_round_trips_and_gives_valid_utf8(path: str) -> None:
    stored = encode(path)
    stored.encode("utf-8")  # raises on a surrogate
    assert decode(stored) == path


def test_codec_is_injective_and_keeps_prefixes() -> None:
    stored = [encode(p) for p in TRICKY]
    assert len(set(stored)) == len(TRICKY)
    assert encode("/plain/ascii.jpg") == "/plain/ascii.jpg"
    assert encode(LATIN1).startswith(encode("/photos/"))


def test_display_path_replaces_undecodable_bytes() -> None:
    assert display_path(LATIN1) == "/photos/caf\ufffd.jpg"
    assert display_path("/ok/é.jpg") == "/ok/é.jpg"


@pytest.mark.parametrize(
    ("path", "folder", "inside"),
    [
        ("/a/b.jpg", "/a", True),
        ("/a/b.jpg", "/a/", True),
        ("/a", "/a", True),
        ("/ab/c.jpg", "/a", False),
        ("/a/b.jpg", "/", True),
        ("/a_b/c.jpg", "/a%b", False),
        ("/a%b/c.jpg", "/a%b", True),
    ],
)
def test_is_under(path: str, folder: str, inside: bool) -> None:
    assert is_under(path, folder) is inside


def test_sql_and_python_agree_on_under(store: Store) -> None:
    names = ["/a/1.jpg", "/ab/2.jpg", "/a_b/3.jpg", "/a%b/4.jpg", "/a/b/5.jpg", LATIN1]
    for name in names:
        add_item(store, name)
    for folder in ["/a", "/a/", "/", "/a%b", "/a_b", "/photos"]:
        clause, params = under_sql("path", folder)
        got = {r[0] for r in store.query(f"SELECT path FROM files WHERE {clause}", params)}
        assert {decode(p) for p in got} == {n for n in names if is_under(n, folder)}


def test_store_accepts_and_returns_surrogate_paths(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / os.fsdecode(b"f\xf6lder")
    folder.mkdir()
    store.add_folder(folder)
    path = str(folder / os.fsdecode(b"caf\xe9.jpg"))
    item = add_item(store, path)
    assert store.file_by_path(path).path == path
    assert store.item_for_path(path) == item
    assert list(store.files_snapshot(str(folder))) == [path]
    assert store.items_info([item])[item]["path"] == path
    assert [f["path"] for f in store.folders()] == [str(folder)]
    assert store.folders()[0]["files"] == 1
    assert store.filtered_item_ids(ItemFilter(under=[str(folder)])).tolist() == [item]
    assert store.browse(ItemFilter(under=[str(folder)]), 10)[0]["path"] == path
    moved = str(folder / os.fsdecode(b"\xe9t\xe9.jpg"))
    with store.transaction():
        store.move_file(store.file_by_path(path).id, moved, size=10, mtime_ns=2)
    assert store.file_by_path(moved) is not None and store.file_by_path(path) is None
    store.upsert_file(
        path, size=1, mtime_ns=1, kind="image", status="error", error=f"cannot read {path}"
    )
    assert store.errors() == [(path, f"cannot read {path}")]
    assert store.mark_missing([moved]) == 1
    assert store.remove_folder(folder) == 2


def test_surrogate_paths_stay_unique(store: Store) -> None:
    one = store.upsert_file(LATIN1, size=1, mtime_ns=1, kind="image", status="pending")
    again = store.upsert_file(LATIN1, size=2, mtime_ns=2, kind="image", status="pending")
    other = store.upsert_file(
        os.fsdecode(b"/photos/caf\xe8.jpg"), size=1, mtime_ns=1, kind="image", status="pending"
    )
    assert one == again != other
    assert store.scalar("SELECT COUNT(*) FROM files") == 2
