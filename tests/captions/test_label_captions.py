"""The default label captioner on real photos, captions as a job, and a person's captions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mmdesk.cli import main
from mmdesk.config import Settings
from mmdesk.plugins.runtimes.label_captioner import describe

EXPECTED = {
    "chelsea.jpg": ("cat",),
    "coffee.jpg": ("espresso", "cup", "coffee"),
    "motorcycle.png": ("moped", "motor scooter", "motorcycle"),
    "cameraman.png": ("tripod",),
    "rocket.jpg": ("missile", "space shuttle"),
}


def test_wording_is_honest() -> None:
    names = ["tabby cat", "Egyptian cat", "car"]
    assert describe(np.array([0.6, 0.3, 0.1]), names) == (
        "probably a tabby cat; maybe an Egyptian cat"
    )
    assert describe(np.array([0.3, 0.05, 0.65]), names) == "probably a car; maybe a tabby cat"
    assert describe(np.array([0.45, 0.4, 0.15]), ["missile", "missile", "car"]) == (
        "perhaps a missile; maybe a car"
    )
    page = describe(np.array([0.6, 0.3, 0.1]), names, "Region-based segmentation of the page")
    assert page == "a page with the words 'Region-based segmentation of the page'"
    sign = describe(np.array([0.6, 0.3, 0.1]), names, "EXIT")
    assert sign == "probably a tabby cat; maybe an Egyptian cat, with the words 'EXIT'"
    # a stray glyph OCR found on a mug is not worth a mention
    assert describe(np.array([0.6, 0.3, 0.1]), names, "O |") == (
        "probably a tabby cat; maybe an Egyptian cat"
    )


@pytest.fixture()
def indexed(default_settings: Settings, skimage_photos: Path) -> Settings:
    """The sample library indexed with the default model (captions come with indexing)."""
    assert main(["index", str(skimage_photos)]) == 0
    return default_settings


def _captions(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict]:
    capsys.readouterr()
    assert main(["caption", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_label_captioner_names_the_animal_or_object(
    indexed: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = {Path(r["path"]).name: r for r in _captions(capsys, "--all")}
    for name, words in EXPECTED.items():
        assert any(w in rows[name]["caption"] for w in words), rows[name]
        assert rows[name]["producer"] == "default/labels"
    assert set(rows["chelsea.jpg"]) == {"path", "caption", "producer", "start"}
    assert rows["chelsea.jpg"]["start"] is None


def test_a_persons_caption_survives_recaptioning(
    indexed: Settings, skimage_photos: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mmdesk.core.library import Library

    cat = next(skimage_photos.rglob("chelsea.jpg"))
    with Library(indexed) as lib:
        item = lib.item_for_path(cat)
        assert item is not None
        lib.set_caption(item, "Chelsea asleep on the sofa")
    assert main(["caption", "--all", "--redo"]) == 0
    rows = _captions(capsys, str(cat))
    assert rows == [
        {
            "path": rows[0]["path"],
            "caption": "Chelsea asleep on the sofa",
            "producer": "user",
            "start": None,
        }
    ]


def test_captioning_needs_files_or_all(default_settings: Settings) -> None:
    assert main(["caption"]) == 1
