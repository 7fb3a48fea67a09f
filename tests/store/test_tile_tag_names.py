"""The grid's tiles read a page's tags in one query: each item's tag names, sorted."""

from __future__ import annotations

from mmdesk.store import Store
from tests.store.conftest import add_item


def test_tag_names_for_gives_each_item_its_sorted_tags(store: Store) -> None:
    items = [add_item(store, f"/x/{n}.jpg") for n in range(3)]
    store.add_label(items[:2], "sea")
    store.add_label(items[:1], "beach")
    store.add_label(items[1:2], "dog", source="not")
    store.add_label(items[2:], "cat", source="classifier:7", score=0.9)
    assert store.tag_names_for(items, source="user") == {
        items[0]: ["beach", "sea"],
        items[1]: ["sea"],
    }
    assert store.tag_names_for(items[1:])[items[1]] == ["dog", "sea"]
    assert store.tag_names_for(items[2:]) == {items[2]: ["cat"]}
    assert store.tag_names_for([]) == {}
