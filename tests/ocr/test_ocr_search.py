"""OCR as part of indexing: the word in a picture finds it first; no-text pictures are read once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mmdesk_testing import make_photo
from ocr_helpers import fonts, render
from PIL import Image

from mmdesk.cli import main
from mmdesk.config import Settings
from mmdesk.core.enrich.ocr import OcrJob, ocr_enricher
from mmdesk.core.library import Library


@pytest.fixture()
def library_root(tmp_path: Path) -> Path:
    root = tmp_path / "photos"
    for n, colour in enumerate(["red", "green", "blue"]):
        make_photo(root / f"{colour}-{n}.png", colour, seed=n)
    font = fonts()[1][1]
    render("TOTAL 42.50 INVOICE", font).save(root / "receipt.png")
    turned = render("PARKING ZONE B", font).transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned 90° clockwise: reading must use the upright picture
    turned.save(root / "sign.jpg", exif=exif, quality=95)
    return root


@pytest.mark.slow
def test_index_reads_text_and_search_finds_it_first(
    ocr_settings: Settings, library_root: Path, capsys
) -> None:
    assert main(["index", str(library_root), "--json"]) == 0
    capsys.readouterr()
    for word, name in (("invoice", "receipt.png"), ("parking", "sign.jpg")):
        assert main(["search", word, "--json"]) == 0
        rows = json.loads(capsys.readouterr().out)
        assert Path(rows[0]["path"]).name == name, word
        assert "text in image" in rows[0]["matched"]
    with Library(ocr_settings) as lib:
        item = lib.item_for_path(library_root / "receipt.png")
        assert item is not None
        [text] = [t for t in lib.texts_for(item) if t["source"] == "ocr"]
        assert text["producer"] == "rapidocr/ppocr-v4" and text["meta"]["lines"][0]["box"]
        assert lib.ocr_lines(item)[0]["score"] > 0.5
        assert ocr_enricher(lib) is None  # everything read, text or not: nothing to do
        job = OcrJob()
        lib.run(job)
        assert job.read == 0


def test_ocr_setting_off_skips_reading(ocr_settings: Settings, tmp_path: Path) -> None:
    make_photo(tmp_path / "p" / "red.png", "red", seed=1)
    with Library(ocr_settings) as lib:
        lib.set_ocr_enabled(False)
        lib.index([tmp_path / "p"])
        assert not lib.ocr_enabled() and ocr_enricher(lib) is None
        assert lib.store.items_unread("rapidocr/ppocr-v4", ["image"], 10)
