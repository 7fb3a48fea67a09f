"""The "no good matches" rule on scikit-image's real photos, indexed with the real default model.

Uses the built ``plugins/default`` (as tests/test_default_golden.py does) rather than building
one, so the module runs in seconds; it skips where the model is not built.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mmdesk.config import Settings
from mmdesk.core.library import Library
from mmdesk.core.search import Filters
from mmdesk.core.search.calibration import (
    MIN_ITEMS,
    NONSENSE,
    Verdict,
    judge,
    nonsense_floor,
    read_words,
)

PLUGIN = Path(__file__).resolve().parents[2] / "plugins" / "default"
NONSENSE_QUERIES = ["xqzzyv", "blorft quazzle", "the of and", "##ing"]
REAL = {"a cat": "chelsea.jpg", "coffee": "coffee.jpg", "a rocket": "rocket.jpg"}
LATER = "space"  # indexed after the first floor was taken; the moon photo raises it


@pytest.fixture(scope="module")
def plugins(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (PLUGIN / "plugin.toml").is_file():
        pytest.skip("plugins/default is not built: python -m mmdesk models build-default")
    root = tmp_path_factory.mktemp("calibration-plugins")
    (root / "default").symlink_to(PLUGIN, target_is_directory=True)
    return root


def _library(data: Path, plugins: Path, mp: pytest.MonkeyPatch) -> Library:
    from mmdesk import config

    mp.setenv("MMDESK_DATA_DIR", str(data))
    mp.setenv("MMDESK_PLUGIN_PATH", str(plugins))
    mp.setattr(config, "BUNDLED_PLUGINS", plugins / "none")
    return Library(Settings(threads=1))


@pytest.fixture(scope="module")
def grown(
    tmp_path_factory: pytest.TempPathFactory, plugins: Path, skimage_photos: Path
) -> Iterator[tuple[Library, float]]:
    """The sample library, and the floor it had before its space photos were indexed."""
    mp = pytest.MonkeyPatch()
    with _library(tmp_path_factory.mktemp("calibration-data"), plugins, mp) as lib:
        first = sorted(p for p in skimage_photos.iterdir() if p.is_dir() and p.name != LATER)
        assert lib.index(first).errors == 0
        before = judge(lib, "a cat", 1.0).floor
        assert lib.index([skimage_photos / LATER]).indexed >= 2
        yield lib, before
    mp.undo()


def _verdict(lib: Library, query: str) -> tuple[Verdict, list[str]]:
    """The verdict on the query's best result, from the search before any verdict."""
    results = lib.hybrid().search(query, Filters(limit=5))
    names = [Path(r.path).name for r in results]
    return judge(lib, query, results[0].score if results else 0.0), names


@pytest.mark.parametrize("query", NONSENSE_QUERIES)
def test_nonsense_is_no_good_match(grown: tuple[Library, float], query: str) -> None:
    verdict, names = _verdict(grown[0], query)
    assert not verdict.ok, (verdict, names)
    assert verdict.reason and (verdict.best < verdict.floor or "no words" in verdict.reason)


@pytest.mark.parametrize("query, expected", REAL.items())
def test_real_queries_pass_and_find_their_photo(
    grown: tuple[Library, float], query: str, expected: str
) -> None:
    verdict, names = _verdict(grown[0], query)
    assert verdict.ok and verdict.best >= verdict.floor > 0, verdict
    assert names[0] == expected, names


def test_a_real_query_the_classes_cannot_place_still_passes(
    grown: tuple[Library, float],
) -> None:
    # ImageNet has no person class: the astronaut photo is not found first, but the query is
    # a real one and must not be called nonsense.
    verdict, _ = _verdict(grown[0], "an astronaut")
    assert verdict.ok, verdict


def test_the_reason_reads_as_a_sentence(grown: tuple[Library, float]) -> None:
    verdict = judge(grown[0], "a cat", 0.1)
    assert not verdict.ok
    assert f"{verdict.best:.2f}" in verdict.reason and f"{verdict.floor:.2f}" in verdict.reason


def test_the_floor_follows_the_library_content(grown: tuple[Library, float]) -> None:
    lib, before = grown
    after = judge(lib, "a cat", 1.0).floor
    assert after > before > 0
    lib.remove_folder(next(p for p in lib.library_roots() if p.name == LATER))
    assert judge(lib, "a cat", 1.0).floor == pytest.approx(before, abs=1e-6)


def test_the_floor_is_cached_until_the_library_changes(
    grown: tuple[Library, float], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mmdesk.core.search import calibration

    lib = grown[0]
    judge(lib, "a cat", 1.0)
    calls: list[int] = []
    real = calibration.nonsense_floor

    def counted(*args: Any, **kwargs: Any) -> float:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(calibration, "nonsense_floor", counted)
    for query in ("a dog", "coffee", "xqzzyv"):
        judge(lib, query, 0.5)
    assert calls == []


def test_an_empty_library_judges_nothing(
    tmp_path: Path, plugins: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _library(tmp_path / "data", plugins, monkeypatch) as lib:
        verdict = judge(lib, "xqzzyv", 0.1)
    assert verdict.ok and verdict.floor == 0.0


def test_words_are_read_with_the_text_models_tokenizer(plugins: Path) -> None:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(plugins / "default" / "tokenizer.json"))
    assert read_words(tok, "a red car") == "known"
    assert read_words(tok, "espresso") == "pieces"  # a real word, spelt es ##press ##o
    assert read_words(tok, "the of and") == "none"
    assert read_words(tok, "##ing") == "none"
    assert read_words(None, "zzz") == "known"


def test_the_floor_is_the_best_nonsense_score_plus_a_margin() -> None:
    items = np.eye(4, dtype=np.float32)
    nonsense = np.array([[3.0, 4.0, 0, 0], [0, 0, 0, 2.0]], np.float32)
    assert nonsense_floor(items, nonsense, margin=0.05) == pytest.approx(1.05)
    assert nonsense_floor(items, nonsense[:1], margin=0.0) == pytest.approx(0.8)


def test_the_reference_nonsense_is_not_the_tested_nonsense() -> None:
    assert not set(NONSENSE) & set(NONSENSE_QUERIES) and len(NONSENSE) >= 8 and MIN_ITEMS > 1


def test_the_reason_never_says_a_score_is_below_an_equal_looking_floor() -> None:
    from mmdesk.core.search.calibration import _weak

    assert "0.30, below 0.31" in _weak(0.3, 0.31, "known")
    assert "0.301, below 0.304" in _weak(0.3012, 0.3041, "known")
