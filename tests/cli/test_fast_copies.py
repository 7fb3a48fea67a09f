"""Installing or choosing a model saves the optimised copies a one-shot search opens, so the
first ``mmdesk search`` after does not make them (seconds for a big model)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mmdesk_testing import build_toy_plugin

from mmdesk.cli import main, models_cmds
from mmdesk.config import Settings
from mmdesk.plugins import session as session_module
from mmdesk.plugins.registry import Registry
from mmdesk.plugins.session import optimised_path

CPU = ["CPUExecutionProvider"]


@pytest.fixture()
def small_models_copied(monkeypatch: pytest.MonkeyPatch) -> None:
    """The toy models (a few kB) count as real ones, which a one-shot process copies."""
    if session_module.wanted_providers("auto", session_module.available_providers()) != CPU:
        pytest.skip("copies are kept for the CPU only")
    monkeypatch.setattr(session_module, "ONE_SHOT_OPTIMISED_MIN_BYTES", 0)


def _copies(settings: Settings, folder: Path) -> dict[str, bool]:
    options = Registry(settings).options.for_one_shot()
    found = {}
    for name in ("image.onnx", "text.onnx"):
        graph = optimised_path(folder / name, options, CPU)
        found[name] = graph is not None and graph.is_file()
    return found


def _ort(settings: Settings) -> set[str]:
    folder = settings.cache_dir / "ort"
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


def test_models_use_saves_the_copies_the_next_search_opens(
    settings: Settings, photos: Path, small_models_copied: None
) -> None:
    toy = next(p.parent for p in Path(str(settings.plugin_path[0])).glob("*/plugin.toml"))
    assert _copies(settings, toy) == {"image.onnx": False, "text.onnx": False}
    assert main(["models", "use", "toy-colours", "--later"]) == 0
    assert _copies(settings, toy) == {"image.onnx": True, "text.onnx": True}
    saved = _ort(settings)
    assert main(["index", str(photos), "--json"]) == 0
    assert main(["search", "red", "--local"]) == 0
    assert _ort(settings) == saved  # the search opened those, it made none of its own


def test_build_default_saves_the_copies(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_models_copied: None
) -> None:
    monkeypatch.setattr(models_cmds, "build_default_model", build_toy_plugin)  # no torch here
    monkeypatch.setattr(models_cmds, "build_sound_model", lambda out: None)
    out = tmp_path / "built" / "default"
    assert main(["models", "build-default", "--out", str(out)]) == 0
    assert _copies(settings, out) == {"image.onnx": True, "text.onnx": True}


def test_a_model_that_cannot_be_copied_does_not_fail_the_command(
    settings: Settings, small_models_copied: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("no room")

    monkeypatch.setattr(session_module, "_open_and_save", broken)
    assert main(["models", "use", "toy-colours", "--later"]) == 0
    assert _ort(settings) == set()


def test_a_finished_switch_fills_the_first_query_caches(settings: Settings, photos: Path) -> None:
    assert main(["index", str(photos), "--json"]) == 0
    floors = settings.cache_dir / "calibration.json"
    assert not floors.exists()
    assert main(["models", "use", "toy-colours"]) == 0
    assert floors.is_file()  # the library's calibrated floor, which the next search reads
