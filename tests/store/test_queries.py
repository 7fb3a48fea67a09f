"""Queries the callers need: coverage, completeness, filters, browse order, labels, texts."""

from __future__ import annotations

import numpy as np
import pytest

from mmdesk.store import ItemFilter, Store
from mmdesk.store.texts import fts_query
from tests.store.conftest import add_item

DAY_NS = 86400 * 10**9


def _embed(store: Store, items: list[int], encoder: str = "e") -> None:
    with store.transaction():
        store.ensure_encoder(encoder, space="s", modality="image", dim=2)
        store.put_embeddings(items, encoder, np.ones((len(items), 2), np.float32))


def test_coverage_counts_present_items_with_a_vector(store: Store) -> None:
    items = [add_item(store, f"/x/{n}.jpg") for n in range(4)]
    gone = add_item(store, "/x/gone.jpg", status="missing")
    _embed(store, items[:2] + [gone], "a")
    _embed(store, items[1:3], "b")
    assert store.coverage(["a"]) == (2, 4)
    assert store.coverage(["a", "b"]) == (3, 4)
    assert store.coverage([]) == (0, 4)


def test_complete_files_and_delete_embeddings(store: Store) -> None:
    items = [add_item(store, f"/x/{n}.jpg") for n in range(3)]
    _embed(store, items[:2])
    files = {store.file_by_path(f"/x/{n}.jpg").id for n in range(2)}
    assert store.complete_files("e") == files
    assert store.delete_embeddings(["e"]) == 2
    assert store.complete_files("e") == set()


def test_filters_by_file_kind_folder_and_all_user_tags(store: Store) -> None:
    photo = add_item(store, "/p/a.jpg")
    clip = add_item(store, "/p/sub/b.mp4", kind="video")
    song = add_item(store, "/music/c.mp3", kind="audio")
    add_item(store, "/p/gone.jpg", status="missing")
    store.add_label([photo, clip], "red")
    store.add_label([photo], "toy")
    store.add_label([clip], "toy", source="classifier:1", score=0.9)

    def ids(**kw: list[str]) -> list[int]:
        return sorted(store.filtered_item_ids(ItemFilter(**kw)).tolist())

    assert ids() == sorted([photo, clip, song])
    assert ids(kinds=["video", "audio"]) == sorted([clip, song])
    assert ids(under=["/p/"]) == sorted([photo, clip])
    assert ids(under=["/p/sub", "/music"]) == sorted([clip, song])
    assert ids(tags=["red", "TOY"]) == [photo]  # all tags; classifier labels do not count
    assert store.filtered_item_ids(ItemFilter()).dtype == np.int64
    with pytest.raises(ValueError, match="unknown kind"):
        ItemFilter(kinds=["video_frame"])


def test_browse_sorts_by_date_taken_else_file_time(store: Store) -> None:
    base = 1_600_000_000 * 10**9
    old_exif = add_item(store, "/x/old.jpg", taken_at="2019-06-01T12:00:00", mtime_ns=base)
    new_plain = add_item(store, "/x/new.png", mtime_ns=base + 400 * DAY_NS)  # ~2021-10
    mid_exif = add_item(store, "/x/mid.jpg", taken_at="2021-01-01T12:00:00", mtime_ns=base)
    oldest_plain = add_item(store, "/x/scan.png", mtime_ns=base - 800 * DAY_NS)  # ~2018
    rows = store.browse(ItemFilter(), limit=10)
    assert [r["item_id"] for r in rows] == [new_plain, mid_exif, old_exif, oldest_plain]
    assert set(rows[0]) == set(store.items_info([new_plain])[new_plain])
    assert [r["item_id"] for r in store.browse(ItemFilter(), limit=2, offset=1)] == [
        mid_exif,
        old_exif,
    ]


def test_rich_labels_counts_for_a_selection_and_removal_count(store: Store) -> None:
    items = [add_item(store, f"/x/{n}.jpg") for n in range(3)]
    store.add_label(items, "cat")
    store.add_label(items[:1], "dog", source="classifier:7", score=0.75)
    assert store.labels_for(items[0]) == [
        {"name": "cat", "source": "user", "score": None},
        {"name": "dog", "source": "classifier:7", "score": 0.75},
    ]
    assert store.label_names(items[0]) == ["cat", "dog"]
    assert store.tag_counts_for(items[:2]) == {"cat": 2, "dog": 1}
    assert store.tag_counts_for([]) == {}
    assert store.tag_exists("CAT") and not store.tag_exists("bird")
    assert store.remove_label(items[1:], "cat") == 2
    assert store.remove_label(items[1:], "cat") == 0
    assert store.remove_label(items, "bird") == 0


def test_text_search_quotes_input_ranks_and_filters_by_source(store: Store) -> None:
    a, b, c = (add_item(store, f"/x/{n}.jpg") for n in "abc")
    store.add_text(a, "caption", "the cat's red-toy on a sofa")
    store.add_text(b, "ocr", "cat cat cat cat")
    store.add_text(c, "user", 'say "hi" to the cat')
    assert [i for i, _ in store.search_texts("cat's")] == [a]
    assert [i for i, _ in store.search_texts("red-toy")] == [a]
    assert [i for i, _ in store.search_texts('"hi"')] == [c]
    assert [i for i, _ in store.search_texts("cat")][0] == b  # bm25: most cat-dense first
    assert [i for i, _ in store.search_texts("cat", sources=["user"])] == [c]
    assert store.search_texts("AND OR NOT (") == []
    assert fts_query(['a"b']) == '"a""b"'


def test_substring_fallback_finds_glued_ocr_words(store: Store) -> None:
    item = add_item(store, "/x/receipt.jpg")
    store.add_text(item, "ocr", "TOTALINVOICEAMOUNT 42")
    assert [i for i, _ in store.search_texts("invoice")] == [item]
    assert store.search_texts("in") == []  # too short for the trigram index
