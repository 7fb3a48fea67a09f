"""The "no good matches" floor is kept in the cache folder, so a new process neither encodes the
made-up queries nor reads the space again; it is taken afresh when the library's vectors change
(an exactly searched space: at every change; an ANN one: past a drift in its size) or the text
model changes. The rule reads words with the text encoder's own tokenizer object, and reads
them as a freshly loaded tokenizer does.

Uses the built ``plugins/default`` (as tests/search/test_calibration.py does); it skips where
the model is not built.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from mmdesk_testing import make_photo

from mmdesk.config import Settings
from mmdesk.core.library import Library
from mmdesk.core.search import calibration
from mmdesk.core.search.calibration import DRIFT, _floor_key, _Floors, _Taken, judge, read_words

PLUGIN = Path(__file__).resolve().parents[2] / "plugins" / "default"
WORDS = ["a red car", "espresso", "the of and", "##ing", "blorft quazzle", "jack-o'-lantern", "x"]


@pytest.fixture(scope="module")
def plugins(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (PLUGIN / "plugin.toml").is_file():
        pytest.skip("plugins/default is not built: python -m mmdesk models build-default")
    root = tmp_path_factory.mktemp("calibration-cache-plugins")
    (root / "default").symlink_to(PLUGIN, target_is_directory=True)
    return root


@pytest.fixture()
def library(tmp_path: Path, plugins: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Library]:
    from mmdesk import config

    monkeypatch.setenv("MMDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MMDESK_PLUGIN_PATH", str(plugins))
    monkeypatch.setattr(config, "BUNDLED_PLUGINS", plugins / "none")
    monkeypatch.setattr(calibration, "_floors", _Floors())
    photos = tmp_path / "photos"
    for n, colour in enumerate(["red", "green", "blue"] * 2):
        make_photo(photos / f"{colour}-{n}.png", colour, seed=n)
    with Library(Settings(threads=1)) as lib:
        assert lib.index([photos]).errors == 0
        yield lib


class NoNonsense:
    """Stands in for the nonsense queries' vectors: counts the calls, then encodes as usual."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        original = _Floors.vectors

        def vectors(floors: _Floors, library: Library, spec: object) -> np.ndarray:
            self.calls += 1
            return original(floors, library, spec)  # type: ignore[arg-type]

        monkeypatch.setattr(_Floors, "vectors", vectors)


def _kept(lib: Library) -> dict[str, dict[str, object]]:
    return json.loads((lib.settings.cache_dir / calibration.CACHE_FILE).read_text())


def test_a_new_process_takes_the_floor_from_the_cache_folder(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = judge(library, "a red car", 0.5).floor
    assert first > 0 and len(_kept(library)) == 1
    monkeypatch.setattr(calibration, "_floors", _Floors())  # as a new process
    counted = NoNonsense(monkeypatch)
    assert judge(library, "a red car", 0.5).floor == first
    assert counted.calls == 0


def test_the_floor_is_taken_again_when_the_library_changes(
    library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    judge(library, "a red car", 0.5)
    (before,) = _kept(library).values()
    make_photo(tmp_path / "more" / "purple.png", (120, 20, 160), seed=9)
    assert library.index([tmp_path / "more"]).indexed == 1
    monkeypatch.setattr(calibration, "_floors", _Floors())
    counted = NoNonsense(monkeypatch)
    judge(library, "a red car", 0.5)
    (after,) = _kept(library).values()
    assert counted.calls == 1
    assert after["count"] == before["count"] + 1  # type: ignore[operator]
    assert after["generation"] != before["generation"] and after["sampled"] is False


def test_a_damaged_cache_file_is_ignored_and_written_again(library: Library) -> None:
    path = library.settings.cache_dir / calibration.CACHE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json")
    assert judge(library, "a red car", 0.5).floor > 0
    assert len(_kept(library)) == 1


def test_a_sampled_floor_holds_until_the_space_drifts() -> None:
    exact = _Taken(generation=5, count=1000, sampled=False, floor=0.3)
    assert exact.holds_for(5, 1000) and not exact.holds_for(6, 1000)
    sampled = replace(exact, sampled=True, count=1_000_000)
    near = int(1_000_000 * (1 + DRIFT))
    assert sampled.holds_for(99, near) and sampled.holds_for(99, 1_000_000 - 20_000)
    assert not sampled.holds_for(99, near + 1) and not sampled.holds_for(99, 900_000)
    assert _Taken.from_json(sampled.to_json()) == sampled
    assert _Taken.from_json({"floor": 0.3}) is None


def test_another_model_file_or_library_gets_its_own_floor(tmp_path: Path) -> None:
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    one.write_bytes(b"")
    two.write_bytes(b"")
    model = ("default/text", "/x/text.onnx", 1)
    key = _floor_key(one, "space", model)
    assert key == _floor_key(one, "space", model)
    assert key != _floor_key(one, "space", (*model[:2], 2))  # the model file was replaced
    assert key != _floor_key(one, "other", model)
    one.unlink()
    two.rename(one)  # a library made again at the same place
    assert key != _floor_key(one, "space", model)


def test_words_are_read_with_the_encoders_own_tokenizer(library: Library) -> None:
    from tokenizers import Tokenizer

    from mmdesk.plugins.runtimes.tokenizers import make_tokenizer

    spec = library.space().encoders["text"]
    shared = calibration._tokenizer(spec)
    assert shared is not None and shared is getattr(make_tokenizer(spec), "tok", None)
    fresh = Tokenizer.from_file(str(spec.folder / "tokenizer.json"))
    padded = replace(spec, tokenizer={**spec.tokenizer, "pad": "max"})  # every text 256 long
    tokenizers = [shared, calibration._tokenizer(padded)]
    assert len(tokenizers[1].encode("car", add_special_tokens=False).ids) > 1  # type: ignore[union-attr]
    for text in WORDS:
        expected = read_words(fresh, text)
        assert [read_words(t, text) for t in tokenizers] == [expected] * 2, text
