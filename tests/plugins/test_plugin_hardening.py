"""Hardening: duplicate ids, files that are not regular files, and plugin code that misbehaves."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from plugin_kit import copy_toy, edit, with_code, within

from mmdesk.config import Settings
from mmdesk.errors import PluginError
from mmdesk.plugins.checksums import MAX_FILE_BYTES, verify_files
from mmdesk.plugins.contributions import IMAGE_ENCODER
from mmdesk.plugins.discovery import discover
from mmdesk.plugins.registry import Registry

_ZERO_SHA = "0" * 64


def _found(*roots: Path) -> dict[Path, object]:
    return {d.folder: d for d in discover(list(roots), include_entry_points=False)}


@pytest.mark.parametrize(
    "old, new, reason",
    [
        ('id = "late"', 'id = "early"', "duplicate plugin id 'early'"),
        ('id = "late/image"', 'id = "early/image"', "'early/image' is already used by plugin"),
        ('space = "late-colours"', 'space = "early-colours"', "belongs to plugin 'early'"),
    ],
)
def test_a_later_plugin_never_replaces_an_earlier_one(
    tmp_path: Path, toy_plugin_dir: Path, old: str, new: str, reason: str
) -> None:
    early = copy_toy(toy_plugin_dir, tmp_path / "bundled", "early")
    late = edit(copy_toy(toy_plugin_dir, tmp_path / "user", "late"), old, new)
    found = discover([tmp_path / "bundled", tmp_path / "user"], include_entry_points=False)
    assert [d.folder for d in found] == [early, late]
    assert found[0].ok and not found[1].ok and found[1].manifest is None
    assert reason in found[1].error


def test_the_registry_keeps_the_earlier_encoder(
    tmp_path: Path, toy_plugin_dir: Path, settings: Settings
) -> None:
    late = copy_toy(toy_plugin_dir, tmp_path, "late")
    edit(edit(late, 'id = "late/image"', 'id = "toy/image"'), "dim = 8", "dim = 9")
    settings.extra_plugin_dirs.append(tmp_path)
    registry = Registry(settings)
    assert registry.specs()["toy/image"].plugin_id == "toy"
    assert registry.build(IMAGE_ENCODER, "toy/image").spec.dim == 8
    [broken] = [d for d in registry.discovered() if not d.ok]
    assert broken.folder == late and "already used by plugin 'toy'" in broken.error


def _listing(folder: Path, name: str) -> Path:
    return edit(folder, "[files]\n", f'[files]\n"{name}" = "{_ZERO_SHA}"\n')


def test_a_fifo_in_files_fails_instead_of_hanging(tmp_path: Path, toy_plugin_dir: Path) -> None:
    folder = _listing(copy_toy(toy_plugin_dir, tmp_path, "fifo"), "pipe.bin")
    os.mkfifo(folder / "pipe.bin")
    [found] = within(10, lambda: discover([tmp_path], include_entry_points=False))
    assert not found.ok and "pipe.bin is not a regular file" in found.error


def test_dev_zero_in_files_fails_instead_of_hanging(tmp_path: Path, toy_plugin_dir: Path) -> None:
    folder = copy_toy(toy_plugin_dir, tmp_path, "zero")
    (folder / "zero.bin").symlink_to("/dev/zero")
    with pytest.raises(PluginError, match="outside the plugin folder"):
        within(10, lambda: verify_files(folder, {"/dev/zero": _ZERO_SHA}))
    with pytest.raises(PluginError, match="outside the plugin folder"):
        within(10, lambda: verify_files(folder, {"zero.bin": _ZERO_SHA}))
    [found] = within(10, lambda: discover([tmp_path], include_entry_points=False))
    assert found.ok  # the stray link is harmless while [files] does not list it


def test_a_symlink_out_of_the_folder_is_refused(tmp_path: Path, toy_plugin_dir: Path) -> None:
    folder = _listing(copy_toy(toy_plugin_dir, tmp_path / "p", "link"), "outside.onnx")
    (tmp_path / "secret.onnx").write_bytes(b"x")
    (folder / "outside.onnx").symlink_to(tmp_path / "secret.onnx")
    [found] = discover([tmp_path / "p"], include_entry_points=False)
    assert not found.ok and "outside the plugin folder" in found.error


def test_oversized_files_are_refused(
    tmp_path: Path, toy_plugin_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mmdesk.plugins.checksums as checksums

    assert MAX_FILE_BYTES == 8 << 30
    monkeypatch.setattr(checksums, "MAX_FILE_BYTES", 10)
    folder = copy_toy(toy_plugin_dir, tmp_path, "big")
    with pytest.raises(PluginError, match="image.onnx is larger than"):
        verify_files(folder, {"image.onnx": _ZERO_SHA})


BAD_CODE = {
    "exit at import": "import sys\nsys.exit(3)\n",
    "raise at import": "raise ValueError('broken on purpose')\n",
    "BaseException at import": "class Odd(BaseException):\n    pass\nraise Odd('odd')\n",
    "exit in constructor": "import sys\nclass Enc:\n    def __init__(self, s, o):\n"
    "        sys.exit('bye')\n",
    "raise in constructor": "class Enc:\n    def __init__(self, s, o):\n        1 / 0\n",
    "no such attribute": "class Other:\n    pass\n",
    "missing methods": "class Enc:\n    def __init__(self, s, o):\n        self.spec = s\n",
}


@pytest.mark.parametrize("case", list(BAD_CODE))
def test_failing_plugin_code_becomes_a_plugin_error(
    tmp_path: Path, toy_plugin_dir: Path, settings: Settings, case: str
) -> None:
    with_code(copy_toy(toy_plugin_dir, tmp_path, "bad"), BAD_CODE[case])
    settings.extra_plugin_dirs.append(tmp_path)
    registry = Registry(settings)
    assert "bad/image" in registry.specs()
    with pytest.raises(PluginError, match="plugin 'bad'"):
        registry.build(IMAGE_ENCODER, "bad/image")
    assert registry.build(IMAGE_ENCODER, "toy/image").spec.id == "toy/image"


def test_keyboard_interrupt_still_stops_the_run(
    tmp_path: Path, toy_plugin_dir: Path, settings: Settings
) -> None:
    with_code(copy_toy(toy_plugin_dir, tmp_path, "ctrlc"), "raise KeyboardInterrupt\n")
    settings.extra_plugin_dirs.append(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        Registry(settings).build(IMAGE_ENCODER, "ctrlc/image")
