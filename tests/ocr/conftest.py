"""OCR fixtures: the bundled RapidOCR plugin beside the toy model, and rendered text."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mmdesk.config import REPO_ROOT

pytest.importorskip("rapidocr_onnxruntime")


@pytest.fixture(scope="session")
def ocr_plugin_dir(toy_plugin_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plugins folder with the toy model and the bundled text reader."""
    root = tmp_path_factory.mktemp("ocr-plugins")
    shutil.copytree(toy_plugin_dir / "toy", root / "toy")
    shutil.copytree(REPO_ROOT / "plugins" / "rapidocr", root / "rapidocr")
    return root


@pytest.fixture()
def ocr_settings(tmp_path: Path, ocr_plugin_dir: Path, monkeypatch: pytest.MonkeyPatch):
    """Settings with an empty data folder, the toy model and the text reader only."""
    from mmdesk import config

    monkeypatch.setenv("MMDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MMDESK_PLUGIN_PATH", str(ocr_plugin_dir))
    monkeypatch.setattr(config, "BUNDLED_PLUGINS", tmp_path / "no-bundled-plugins")
    return config.Settings(threads=4)
