"""Faces fixtures: photos made from the packages' own test pictures, and one library indexed
once per session (toy colour model + the bundled faces plugin) that each test gets a copy of.

* scikit-image's ``astronaut.png`` (Eileen Collins): one frontal face; a second photo of her is
  the same picture mirrored, cropped, scaled and darkened;
* scikit-image's ``lfw_subset.npy``: 25x25 grey faces of other people (Labeled Faces in the
  Wild), upscaled into photos of a different person and into a group photo;
* scikit-image's ``rocket.jpg`` and ``chelsea.png`` (a cat): pictures without faces.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageEnhance, ImageOps

from mmdesk.config import REPO_ROOT, Settings

pytest.importorskip("dlib")
skimage_data = pytest.importorskip("skimage.data")
DATA = Path(skimage_data.__file__).parent


def lfw_face(index: int, side: int = 150) -> Image.Image:
    """One LFW face, upscaled and set in a grey margin (HOG needs some room round a face)."""
    faces = np.load(DATA / "lfw_subset.npy")
    face = Image.fromarray((faces[index] * 255).astype(np.uint8)).convert("RGB")
    face = face.resize((side, side), Image.Resampling.BICUBIC)
    return ImageOps.expand(face, side // 3, fill=(128, 128, 128))


def make_face_photos(root: Path) -> dict[str, Path]:
    """The photos, by role."""
    root.mkdir(parents=True, exist_ok=True)
    astronaut = Image.open(DATA / "astronaut.png").convert("RGB")
    again = ImageOps.mirror(astronaut).crop((40, 0, 470, 430)).resize((380, 380))
    again = ImageEnhance.Brightness(again).enhance(0.8)
    group = Image.new("RGB", (900, 330), (90, 110, 130))
    for n, index in enumerate((1, 22, 35)):
        group.paste(lfw_face(index, 150), (n * 300, 40))
    photos = {
        "astronaut": (astronaut, "astronaut.png"),
        "astronaut_again": (again, "astronaut-again.jpg"),
        "other": (lfw_face(1, 200), "other.png"),
        "group": (group, "group.png"),
        "rocket": (Image.open(DATA / "rocket.jpg").convert("RGB"), "rocket.jpg"),
        "cat": (Image.open(DATA / "chelsea.png").convert("RGB"), "cat.png"),
    }
    out = {}
    for role, (image, name) in photos.items():
        image.save(root / name)
        out[role] = root / name
    return out


@pytest.fixture(scope="session")
def faces_plugin_dir(toy_plugin_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plugins folder with the toy model and the bundled faces plugin."""
    root = tmp_path_factory.mktemp("faces-plugins")
    shutil.copytree(toy_plugin_dir / "toy", root / "toy")
    shutil.copytree(REPO_ROOT / "plugins" / "faces", root / "faces")
    return root


def faces_settings(data: Path, plugins: Path, mp: pytest.MonkeyPatch) -> Settings:
    from mmdesk import config

    mp.setenv("MMDESK_DATA_DIR", str(data))
    mp.setenv("MMDESK_PLUGIN_PATH", str(plugins))
    mp.setattr(config, "BUNDLED_PLUGINS", data / "no-bundled-plugins")
    return config.Settings(threads=2)


@pytest.fixture(scope="session")
def face_photos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_face_photos(tmp_path_factory.mktemp("face-photos"))


@pytest.fixture(scope="session")
def indexed_template(
    tmp_path_factory: pytest.TempPathFactory, faces_plugin_dir: Path, face_photos: dict[str, Path]
) -> Path:
    """A data folder whose library has every face photo indexed, faces found (once)."""
    from mmdesk.core.library import Library

    data = tmp_path_factory.mktemp("faces-template")
    mp = pytest.MonkeyPatch()
    try:
        with Library(faces_settings(data, faces_plugin_dir, mp)) as lib:
            lib.add_folder(face_photos["astronaut"].parent)
            report = lib.index()
            assert report.errors == 0
    finally:
        mp.undo()
    return data


@pytest.fixture()
def face_settings(
    tmp_path: Path, indexed_template: Path, faces_plugin_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """Settings on a copy of the indexed library (each test may change it)."""
    data = tmp_path / "data"
    shutil.copytree(indexed_template, data, ignore=shutil.ignore_patterns("*-wal", "*-shm"))
    return faces_settings(data, faces_plugin_dir, monkeypatch)


@pytest.fixture()
def library(face_settings: Settings):
    from mmdesk.core.library import Library

    with Library(face_settings) as lib:
        yield lib
