"""Search correctness with the real offline default model on scikit-image's real photos."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmdesk.config import Settings
from mmdesk.core.library import Library
from mmdesk.core.search import Filters

QUERIES = {
    "a cat": "chelsea.jpg",
    "a cup of coffee": "coffee.jpg",
    "a rocket": "rocket.jpg",
    "a motorcycle": "motorcycle.png",
    "a horse": "horse.png",
}


@pytest.fixture(scope="module")
def indexed(
    tmp_path_factory: pytest.TempPathFactory, default_plugin_root: Path, skimage_photos: Path
):
    from mmdesk import config

    mp = pytest.MonkeyPatch()
    mp.setenv("MMDESK_DATA_DIR", str(tmp_path_factory.mktemp("default-search")))
    mp.setenv("MMDESK_PLUGIN_PATH", str(default_plugin_root))
    mp.setattr(config, "BUNDLED_PLUGINS", default_plugin_root / "none")
    with Library(Settings()) as lib:
        report = lib.index([skimage_photos])
        assert report.errors == 0 and report.indexed >= len(QUERIES)
        yield lib
    mp.undo()


@pytest.mark.parametrize("query, expected", QUERIES.items())
def test_obvious_query_ranks_the_right_photo_first(
    indexed: Library, query: str, expected: str
) -> None:
    results = indexed.search(query, Filters(limit=5))
    assert Path(results[0].path).name == expected, [Path(r.path).name for r in results]
    assert results[0].score > results[1].score


def test_more_like_this_finds_the_other_space_photo(indexed: Library, skimage_photos: Path) -> None:
    results = indexed.similar(str(skimage_photos / "textures" / "grass.png"), Filters(limit=3))
    assert "gravel.png" in {Path(r.path).name for r in results} or "brick.png" in {
        Path(r.path).name for r in results
    }


def test_text_encoder_is_deterministic_and_normalised(indexed: Library) -> None:
    import numpy as np

    a = indexed.searcher().text_vector("a photo of a dog")
    b = indexed.searcher().text_vector("a photo of a dog")
    np.testing.assert_array_equal(a, b)
    assert abs(float(np.linalg.norm(a)) - 1.0) < 1e-5 and a.shape == (384,)
