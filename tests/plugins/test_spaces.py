"""Choosing a space per modality: never a silent change of model, never plugin code imported."""

from __future__ import annotations

from pathlib import Path

import pytest
from mmdesk_testing import build_toy_plugin
from plugin_kit import copy_toy, with_code

from mmdesk.config import Settings
from mmdesk.errors import PluginError
from mmdesk.plugins.contributions import IMAGE_ENCODER
from mmdesk.plugins.registry import DEFAULT_SPACE, Registry

MARKER_CODE = """
from pathlib import Path
Path(__file__).with_name("imported.marker").write_text("imported")
raise RuntimeError("plugin code must not run yet")
"""


def _registry(settings: Settings, root: Path) -> Registry:
    settings.extra_plugin_dirs.append(root)
    return Registry(settings)


def test_a_single_code_free_space_is_used_without_a_choice(settings: Settings) -> None:
    registry = Registry(settings)
    assert registry.space_for("image").id == "toy-colours"
    assert registry.space_for("text").id == "toy-colours"


def test_a_chosen_space_that_is_missing_is_an_error_not_a_fallback(settings: Settings) -> None:
    with pytest.raises(PluginError) as info:
        Registry(settings).space_for("image", "gone")
    message = str(info.value)
    assert "'gone' chosen for image search is not installed or broken" in message
    assert "installed: toy-colours" in message and "mmdesk models use" in message


def test_no_space_serves_audio_yet(settings: Settings) -> None:
    with pytest.raises(PluginError, match="no usable model for audio search"):
        Registry(settings).space_for("audio")
    with pytest.raises(PluginError, match="not installed or broken"):
        Registry(settings).space_for("audio", "toy-colours")


def test_two_spaces_and_no_choice_is_an_error_listing_both(
    tmp_path: Path, toy_plugin_dir: Path, settings: Settings
) -> None:
    copy_toy(toy_plugin_dir, tmp_path, "other")
    registry = _registry(settings, tmp_path)
    with pytest.raises(PluginError, match="more than one is installed .other-colours, toy-colours"):
        registry.space_for("image")
    assert registry.space_for("image", "other-colours").plugin_id == "other"


def test_the_default_space_wins_when_nothing_is_chosen(tmp_path: Path, settings: Settings) -> None:
    build_toy_plugin(tmp_path / "default", "default", space=DEFAULT_SPACE)
    assert _registry(settings, tmp_path).space_for("image").id == DEFAULT_SPACE


def test_a_lone_space_running_plugin_code_must_be_chosen(
    tmp_path: Path, toy_plugin_dir: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_code(copy_toy(toy_plugin_dir, tmp_path / "only", "coded"), MARKER_CODE)
    monkeypatch.setattr(settings, "plugin_dirs", lambda: [tmp_path / "only"])
    registry = Registry(settings)
    with pytest.raises(PluginError, match="it runs plugin code .coded-colours."):
        registry.space_for("image")
    assert registry.space_for("image", "coded-colours").runs_code


def test_plugin_code_is_not_imported_to_list_or_choose_spaces(
    tmp_path: Path, toy_plugin_dir: Path, settings: Settings
) -> None:
    coded = with_code(copy_toy(toy_plugin_dir, tmp_path, "coded"), MARKER_CODE)
    registry = _registry(settings, tmp_path)
    assert all(d.ok for d in registry.discovered())
    assert set(registry.spaces()) == {"coded-colours", "toy-colours"}
    assert registry.space_for("image", "toy-colours").id == "toy-colours"
    assert registry.space_for("image", "coded-colours").id == "coded-colours"
    registry.build(IMAGE_ENCODER, "toy/image")
    assert not (coded / "imported.marker").exists()
    with pytest.raises(PluginError, match="plugin code must not run yet"):
        registry.build(IMAGE_ENCODER, "coded/image")
    assert (coded / "imported.marker").exists()


def test_the_old_choose_space_is_image_search(settings: Settings) -> None:
    registry = Registry(settings)
    assert registry.choose_space().id == registry.space_for("image").id
    with pytest.raises(PluginError, match="chosen for image search"):
        registry.choose_space("nope")
