"""Manifests: api 1 and api 2, every table checked key by key, paths kept inside the folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from plugin_kit import append, copy_toy, edit

from mmdesk.errors import PluginError
from mmdesk.plugins.discovery import discover
from mmdesk.plugins.manifest import load_manifest

KINDS_V2 = """
[[captioners]]
id = "two/caption"
entry = "plugin:Cap"
max_length = 20
[captioners.options]
beam = 3

[[text_readers]]
id = "two/ocr"
entry = "plugin:Ocr"
languages = ["en", "de"]

[[transcribers]]
id = "two/speech"
entry = "plugin:Talk"
sample_rate = 22050

[[classifiers]]
id = "two/pets"
entry = "plugin:Pets"
space = "two-colours"
labels = ["cat", "dog"]
"""


@pytest.fixture()
def toy(tmp_path: Path, toy_plugin_dir: Path) -> Path:
    return copy_toy(toy_plugin_dir, tmp_path, "two")


def _error(folder: Path) -> str:
    with pytest.raises(PluginError) as info:
        load_manifest(folder)
    return str(info.value)


def test_an_api_1_manifest_loads_unchanged(toy: Path) -> None:
    manifest = load_manifest(toy)
    assert manifest.api == 1 and manifest.captioners == ()
    image = next(e for e in manifest.encoders if e.modality == "image")
    assert image.preprocess["resize"] == "squash" and image.io["inputs"] == ["pixel_values"]
    assert not manifest.runs_code


def test_an_api_2_manifest_declares_every_kind(toy: Path) -> None:
    append(edit(toy, "api = 1", "api = 2"), KINDS_V2)
    manifest = load_manifest(toy)
    [caption], [ocr], [speech], [pets] = (
        manifest.captioners, manifest.text_readers, manifest.transcribers, manifest.classifiers,
    )  # fmt: skip
    assert (caption.max_length, caption.options, caption.language) == (20, {"beam": 3}, "en")
    assert ocr.languages == ("en", "de") and speech.sample_rate == 22050
    assert pets.labels == ("cat", "dog") and pets.space == "two-colours"
    assert manifest.runs_code and len(manifest.contributions()) == 6


def test_api_1_has_no_other_kinds(toy: Path) -> None:
    append(toy, KINDS_V2)
    assert "unknown key 'captioners'" in _error(toy)


@pytest.mark.parametrize(
    "old, new, key",
    [
        ('licence = "CC0-1.0"', 'licence = "CC0-1.0"\nlicense_file = "x"', "license_file"),
        ('modality = "image"', 'modality = "image"\nmodel_file = "x"', "model_file"),
        ("size = 32", "size = 32\nresize_szie = 40", "resize_szie"),
        ('output = "embedding"', 'output = "embedding"\noutputs = ["x"]', "outputs"),
        ('kind = "hf"', 'kind = "hf"\ncontext_len = 8', "context_len"),
    ],
)
def test_an_unknown_key_anywhere_is_an_error_naming_it(
    toy: Path, old: str, new: str, key: str
) -> None:
    message = _error(edit(toy, old, new))
    assert f"unknown key {key!r}" in message and "valid keys:" in message


def test_a_typo_gets_a_suggestion_and_the_valid_keys(toy: Path) -> None:
    message = _error(edit(toy, "size = 32", "size = 32\nresize_szie = 40"))
    assert "did you mean 'resize_size'" in message
    assert "size, resize, resize_size, interpolation, mean, std, fill" in message
    assert "[preprocess]" in message and "'two/image'" in message


@pytest.mark.parametrize(
    "old, new, message",
    [
        ('resize = "squash"', 'resize = "sqaush"', "'resize' must be one of"),
        ('pad = "longest"', "pad = 3", "'pad' must be a string"),
        ("context_length = 16", "context_length = true", "must be an integer"),
        ("std = [1.0, 1.0, 1.0]", 'std = ["a"]', "must hold only a number"),
        ('kind = "hf"', 'kind = "sentencepiece"', "'kind' must be one of hf, openclip"),
    ],
)
def test_bad_values_are_errors(toy: Path, old: str, new: str, message: str) -> None:
    assert message in _error(edit(toy, old, new))


def test_kinds_without_a_built_in_runtime_must_name_an_entry(toy: Path) -> None:
    append(edit(toy, "api = 1", "api = 2"), '[[captioners]]\nid = "two/caption"\n')
    assert "missing required key 'entry'" in _error(toy)


def test_contribution_ids_are_unique_within_a_plugin(toy: Path) -> None:
    append(edit(toy, "api = 1", "api = 2"), '[[captioners]]\nid = "two/text"\nentry = "p:C"\n')
    assert "'two/text' is declared twice" in _error(toy)


@pytest.mark.parametrize(
    "old, new",
    [
        ('model = "image.onnx"', 'model = "../../etc/passwd"'),
        ('model = "image.onnx"', 'model = "/elsewhere/image.onnx"'),
        ('file = "tokenizer.json"', 'file = "../tokenizer.json"'),
        ('"image.onnx" =', '"../image.onnx" ='),
        ('"image.onnx" =', '"/etc/image.onnx" ='),
        ('id = "two/image"', 'id = "two/image"\nentry = "/abs/mod:Enc"'),
        ('id = "two/image"', 'id = "two/image"\nentry = "..mod:Enc"'),
        ('id = "two/image"', 'id = "two/image"\nentry = "pkg/../../mod:Enc"'),
    ],
)
def test_paths_out_of_the_plugin_folder_are_refused_at_discovery(
    toy: Path, old: str, new: str
) -> None:
    edit(toy, old, new)
    [found] = discover([toy.parent], include_entry_points=False)
    assert not found.ok
    assert "outside the plugin folder" in found.error or "dotted names only" in found.error
