"""Plugin discovery: good, broken and entry-point plugins; discovery never raises."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from plugin_kit import copy_toy

from mmdesk.config import Settings
from mmdesk.errors import ChecksumError, PluginError
from mmdesk.plugins.checksums import verify_files
from mmdesk.plugins.discovery import discover
from mmdesk.plugins.manifest import load_manifest
from mmdesk.plugins.registry import Registry


def _copy(toy_plugin_dir: Path, root: Path, name: str) -> Path:
    return copy_toy(toy_plugin_dir, root, name)


def test_good_plugin_is_found_with_its_encoders(toy_plugin_dir: Path) -> None:
    [found] = discover([toy_plugin_dir], include_entry_points=False)
    assert found.ok and found.error is None
    assert {e.id for e in found.manifest.encoders} == {"toy/image", "toy/text"}
    assert found.manifest.spaces() == {"toy-colours"}


@pytest.mark.parametrize(
    "breakage, message",
    [
        (lambda d: (d / "plugin.toml").write_text("id = [unclosed"), "not valid TOML"),
        (
            lambda d: (d / "plugin.toml").write_text('id = "x"\nname = "x"\nversion = "1"\n'),
            "missing required key 'api'",
        ),
        (
            lambda d: (d / "plugin.toml").write_text(
                (d / "plugin.toml").read_text().replace("api = 1", "api = 99")
            ),
            "plugin API 99",
        ),
        (lambda d: (d / "text.onnx").unlink(), "text.onnx is missing"),
        (lambda d: (d / "image.onnx").write_bytes(b"garbage"), "corrupt or was changed"),
        (
            lambda d: (d / "plugin.toml").write_text(
                (d / "plugin.toml").read_text().replace('modality = "text"', 'modality = "smell"')
            ),
            "'modality' must be one of image, text, audio",
        ),
    ],
)
def test_broken_plugins_are_reported_and_the_rest_keeps_working(
    tmp_path: Path, toy_plugin_dir: Path, breakage, message: str
) -> None:
    _copy(toy_plugin_dir, tmp_path, "good")
    breakage(_copy(toy_plugin_dir, tmp_path, "broken"))
    found = {d.folder.name: d for d in discover([tmp_path], include_entry_points=False)}
    assert found["good"].ok
    assert not found["broken"].ok and found["broken"].manifest is None
    assert message in found["broken"].error


def test_checksum_mismatch_raises_a_clear_error(tmp_path: Path, toy_plugin_dir: Path) -> None:
    folder = _copy(toy_plugin_dir, tmp_path, "p")
    manifest = load_manifest(folder)
    verify_files(folder, manifest.files, tmp_path / "cache.json")
    data = bytearray((folder / "image.onnx").read_bytes())
    data[-1] ^= 0xFF
    (folder / "image.onnx").write_bytes(data)
    with pytest.raises(ChecksumError, match="image.onnx is corrupt"):
        verify_files(folder, manifest.files, tmp_path / "cache.json")


def test_entry_point_plugins_are_found_without_importing_them(
    tmp_path: Path, toy_plugin_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    package = site / "mmdesk_toy_ep"
    shutil.copytree(toy_plugin_dir / "toy", package)
    (package / "__init__.py").write_text("raise RuntimeError('must not be imported')\n")
    text = (package / "plugin.toml").read_text().replace('"toy', '"toy-ep')
    (package / "plugin.toml").write_text(text)
    dist = site / "mmdesk_toy_ep-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: mmdesk-toy-ep\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[mmdesk.plugins]\ntoy = mmdesk_toy_ep\nghost = no_such_module_anywhere\n"
    )
    monkeypatch.syspath_prepend(str(site))
    found = {d.source: d for d in discover([], include_entry_points=True)}
    assert found["entry-point:toy"].ok
    assert found["entry-point:toy"].manifest.id == "toy-ep"
    assert "not found" in found["entry-point:ghost"].error
    assert "mmdesk_toy_ep" not in sys.modules


def test_registry_runs_toy_encoders_and_picks_the_space(settings: Settings) -> None:
    registry = Registry(settings)
    space = registry.space_for("image")
    assert space.id == "toy-colours" and space.searchable
    text = registry.encoder("toy/text").encode_texts(["red", "a photo of blue"])
    assert text.shape == (2, 8)
    np.testing.assert_allclose(np.linalg.norm(text, axis=1), 1.0, rtol=1e-5)
    assert np.argmax(text[0][:3]) == 0 and np.argmax(text[1][:3]) == 2
    assert registry.encoder("toy/image").provider is None  # lazy: nothing loaded yet
    with pytest.raises(PluginError, match="not installed"):
        registry.space_for("image", "nope")


def test_plugin_code_is_imported_only_on_first_use(
    tmp_path: Path, toy_plugin_dir: Path, settings: Settings
) -> None:
    folder = _copy(toy_plugin_dir, tmp_path, "coded")
    (folder / "plugin.py").write_text(
        "import os\nos.environ['MMDESK_CODED_IMPORTED'] = '1'\n"
        "class Enc:\n    def __init__(self, spec, options):\n        self.spec = spec\n"
        "    def preprocess(self, image):\n        return None\n"
        "    def encode(self, batch):\n        return batch\n"
    )
    text = (
        (folder / "plugin.toml")
        .read_text()
        .replace('id = "coded/image"', 'id = "coded/image"\nentry = "plugin:Enc"')
    )
    (folder / "plugin.toml").write_text(text)
    settings.extra_plugin_dirs.append(tmp_path)
    import os

    os.environ.pop("MMDESK_CODED_IMPORTED", None)
    registry = Registry(settings)
    assert "coded/image" in registry.specs()
    assert "MMDESK_CODED_IMPORTED" not in os.environ
    encoder = registry.encoder("coded/image")
    assert os.environ.pop("MMDESK_CODED_IMPORTED") == "1"
    assert encoder.spec.id == "coded/image"
