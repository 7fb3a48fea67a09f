"""The bundled sample library, made from the real photos scikit-image ships."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

from PIL import Image

from mmdesk.config import RESOURCES
from mmdesk.errors import MmdeskError

RECIPE = RESOURCES / "sample_library.toml"


def skimage_data_dir() -> Path:
    """The folder of photos inside the scikit-image package."""
    try:
        import skimage.data
    except ImportError as exc:
        raise MmdeskError(
            "the sample library needs scikit-image: pip install scikit-image"
        ) from exc
    return Path(skimage.data.__file__).parent


def make_sample_library(out: Path, recipe: Path = RECIPE) -> list[Path]:
    """Write the sample photos under ``out`` (idempotent); returns the files."""
    source_dir = skimage_data_dir()
    entries = tomllib.loads(recipe.read_text())["photo"]
    written = []
    for entry in entries:
        source = source_dir / entry["source"]
        target = out / entry["folder"] / entry["name"]
        if not source.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            _convert(source, target)
        written.append(target)
    if not written:
        raise MmdeskError(f"no sample photos found in {source_dir}")
    return written


def _convert(source: Path, target: Path) -> None:
    if source.suffix.lower() == target.suffix.lower():
        shutil.copyfile(source, target)
        return
    with Image.open(source) as image:
        image.convert("RGB").save(target, quality=92)
