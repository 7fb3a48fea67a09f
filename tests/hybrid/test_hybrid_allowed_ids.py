"""A filter, ``text:`` terms and ``-`` terms together narrow a hybrid search."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmdesk.config import Settings
from mmdesk.core.library import Library
from mmdesk.core.search import Filters


@pytest.fixture()
def lib(settings: Settings, photos: Path):
    with Library(settings) as library:
        library.index([photos])
        yield library


def test_a_tag_a_required_word_and_an_excluded_word(lib: Library, photos: Path) -> None:
    items = sorted(lib.search("red", Filters(limit=50)), key=lambda r: r.item_id)
    ids = [r.item_id for r in items]
    assert len(ids) >= 4
    tagged, other = ids[:3], ids[3]
    lib.tag(tagged, "Trips/Rome")
    for item, text in zip(
        [*tagged, other], ["menu one", "menu two", "ticket", "menu"], strict=True
    ):
        lib.store.replace_texts("ocr", "test/reader", [(item, [(text, {"lines": []})])])
    found = {r.item_id for r in lib.search("text:menu -two", Filters(tags=["Trips"], limit=50))}
    assert found == {tagged[0]}  # tagged (under Trips), holds "menu", not "two"
    everything = {r.item_id for r in lib.search("red -menu", Filters(limit=50))}
    assert tagged[2] in everything and not everything & {tagged[0], tagged[1], other}
    assert lib.search("text:menu", Filters(tags=["nowhere"], limit=50)) == []
