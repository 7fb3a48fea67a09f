"""Search: ranking, filters, cutoff, 'more like this', and the exact index."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from mmdesk_testing import make_photo

from mmdesk.config import Settings
from mmdesk.core.library import Library
from mmdesk.core.search import Filters
from mmdesk.core.vector_index import ExactIndex
from mmdesk.errors import MmdeskError


@pytest.fixture()
def lib(settings: Settings, photos: Path):
    with Library(settings) as library:
        library.index([photos])
        yield library


def _colour(path: str) -> str:
    return Path(path).parent.name


def test_text_query_ranks_matching_colour_first(lib: Library) -> None:
    for colour in ("red", "green", "blue"):
        results = lib.search(f"a photo of {colour}", Filters(limit=9))
        assert [_colour(r.path) for r in results[:3]] == [colour] * 3
        assert results[0].score > results[3].score
        assert all(r.kind == "image" and r.start is None for r in results)


def test_filters_by_folder_tag_kind_and_min_score(lib: Library, photos: Path) -> None:
    under = lib.search("red", Filters(under=[str(photos / "green")], limit=9))
    assert {_colour(r.path) for r in under} == {"green"}
    first_blue = lib.search("blue", Filters(limit=1))[0]
    lib.tag([first_blue.item_id], "favourite")
    tagged = lib.search("red", Filters(tags=["favourite"], limit=9))
    assert [r.item_id for r in tagged] == [first_blue.item_id]
    assert lib.search("red", Filters(kinds=["video"])) == []
    strong = lib.search("red", Filters(min_score=0.9, limit=9))
    assert strong and all(_colour(r.path) == "red" and r.score >= 0.9 for r in strong)


def test_similar_by_item_by_library_path_and_by_outside_file(
    lib: Library, photos: Path, tmp_path: Path
) -> None:
    anchor = photos / "green" / "green-1.png"
    by_path = lib.similar(str(anchor), Filters(limit=2))
    assert all(_colour(r.path) == "green" for r in by_path)
    assert str(anchor) not in [r.path for r in by_path]
    item = lib.item_for_path(anchor)
    assert [r.item_id for r in lib.similar(item, Filters(limit=2))] == [r.item_id for r in by_path]
    outside = make_photo(tmp_path / "elsewhere" / "query.png", "blue", seed=42)
    assert {_colour(r.path) for r in lib.similar(str(outside), Filters(limit=3))} == {"blue"}


def test_new_items_show_up_without_reopening(lib: Library, photos: Path) -> None:
    searcher = lib.searcher()
    assert len(searcher.index()) == 9
    make_photo(photos / "red" / "late.png", "red", seed=77)
    lib.index([photos])
    assert len(searcher.index()) == 10


def test_empty_query_is_a_clear_error(lib: Library) -> None:
    with pytest.raises(MmdeskError, match="type something"):
        lib.search("   ")


def test_exact_index_topk_and_mask_match_brute_force() -> None:
    rng = np.random.default_rng(1)
    matrix = rng.normal(size=(500, 16)).astype(np.float32)
    ids = np.arange(1000, 1500)
    index = ExactIndex(ids, matrix)
    query = rng.normal(size=16).astype(np.float32)
    normed = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
    expected = np.argsort(-(normed @ (query / np.linalg.norm(query))))
    got_ids, scores = index.search(query, 10)
    assert got_ids.tolist() == ids[expected[:10]].tolist()
    assert np.all(np.diff(scores) <= 0)
    mask = ids % 2 == 0
    masked_ids, _ = index.search(query, 5, mask)
    assert masked_ids.tolist() == [i for i in ids[expected] if i % 2 == 0][:5]
    assert len(index.search(query, 10, np.zeros(500, bool))[0]) == 0
