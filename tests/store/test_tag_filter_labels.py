"""Tag filters answered from the labels alone agree with their SQL definition."""

from __future__ import annotations

import random

import pytest

from mmdesk.store import ItemFilter, Store, filters
from mmdesk.store.filters import filter_sql
from tests.store.conftest import add_item

TAGS = ["Places", "Places/Paris", "Places/Paris/Louvre", "Placesque", "sea", "SEA/deep"]


def _by_sql(store: Store, f: ItemFilter) -> list[int]:
    """What the filter's WHERE clause (browse and count use it) selects."""
    where, params = filter_sql(f)
    sql = f"SELECT i.id FROM items i JOIN files f ON f.id=i.file_id WHERE {where}"
    return sorted(r[0] for r in store.query(sql, params))


@pytest.fixture
def labelled(store: Store) -> Store:
    """Items with user labels, classifier labels and the person's denials over a tag tree,
    some of them on files that are missing."""
    rnd = random.Random(7)
    items = [
        add_item(store, f"/x/{n}.jpg", status="missing" if n % 9 == 4 else "indexed")
        for n in range(60)
    ]
    for tag in TAGS:
        for source in ("user", "classifier:1", "classifier:2", "not"):
            chosen = [i for i in items if rnd.random() < 0.25]
            store.add_label(chosen, tag, source=source, score=0.9)
    return store


@pytest.mark.parametrize("predicted", [False, True])
@pytest.mark.parametrize(
    "tags", [["Places"], ["places/paris"], ["Placesque"], ["sea"], ["Places", "SEA"], ["none"]]
)
def test_labels_answer_matches_the_sql(labelled: Store, tags: list[str], predicted: bool) -> None:
    f = ItemFilter(tags=tags, predicted=predicted)
    found = labelled.filtered_item_ids(f).tolist()
    assert found == _by_sql(labelled, f)
    assert found == sorted(set(found))


def test_many_missing_files_read_each_items_file(
    labelled: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = ItemFilter(tags=["Places"], predicted=True)
    expected = _by_sql(labelled, f)
    monkeypatch.setattr(filters, "FEW_ABSENT", 0)  # more files missing than the tag has items
    labelled.add_label([], "unused")  # a write: the kept answer is not used
    assert labelled.filtered_item_ids(f).tolist() == expected


def test_a_new_label_and_a_missing_file_change_the_answer(store: Store) -> None:
    a, b = add_item(store, "/y/a.jpg"), add_item(store, "/y/b.jpg")
    store.add_label([a], "Trips/Rome")
    f = ItemFilter(tags=["Trips"])
    assert store.filtered_item_ids(f).tolist() == [a]
    store.add_label([b], "Trips")
    assert store.filtered_item_ids(f).tolist() == sorted([a, b])
    store.mark_missing(["/y/a.jpg"])
    assert store.filtered_item_ids(f).tolist() == [b]


def test_a_tag_with_other_fields_keeps_the_sql(labelled: Store) -> None:
    f = ItemFilter(tags=["Places"], kinds=["image"], under=["/x"], predicted=True)
    assert labelled.filtered_item_ids(f).tolist() == _by_sql(labelled, f)
