"""The RapidOCR text reader reads rendered sentences; pictures without text cost little."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ocr_helpers import fonts, render, word_accuracy
from PIL import Image

from mmdesk.core.library import Library
from mmdesk.plugins.contributions import TEXT_READER

SENTENCES = [
    "The quick brown fox jumps over the lazy dog",
    "Parking permit valid until March 2024",
]
ANGLES = (0.0, 3.0, -5.0)


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory, ocr_plugin_dir: Path):
    from mmdesk.config import Settings

    settings = Settings(
        data_dir=tmp_path_factory.mktemp("ocr-data"), plugin_path=[ocr_plugin_dir], threads=4
    )
    settings.bundled_plugins = tmp_path_factory.mktemp("none")
    with Library(settings) as lib:
        yield lib.registry.build(TEXT_READER, "rapidocr/ppocr-v4")


@pytest.mark.slow
def test_word_accuracy_over_fonts_sizes_and_rotations(reader) -> None:
    right = total = 0
    for name, font in fonts():
        for angle in ANGLES:
            for sentence in SENTENCES:
                [text] = reader.read_text([render(sentence, font, angle)])
                got, n = word_accuracy(sentence, text)
                right, total = right + got, total + n
                print(f"{name:>16} {angle:+.0f}°  {got}/{n}  {text!r}")
    accuracy = right / total
    print(f"word accuracy {accuracy:.3f} over {total} words")
    assert accuracy >= 0.9


def test_lines_have_boxes_and_confidence(reader) -> None:
    image = render("INVOICE 42", fonts()[1][1])
    [lines] = reader.read_lines([image])
    assert lines and re.sub(r"\W", "", lines[0].text).upper() == "INVOICE42"
    assert len(lines[0].box) == 4 and 0.5 <= lines[0].score <= 1.0
    xs = [x for x, _ in lines[0].box]
    assert 0 <= min(xs) < max(xs) <= image.width


def test_a_picture_without_text_skips_recognition(reader, monkeypatch) -> None:
    """Detection first: recognition runs only where detection found text."""
    blank = Image.new("RGB", (1024, 768), (120, 160, 200))
    page = render("Some words to read here", fonts()[1][1])
    engine = reader._load()
    calls: list[int] = []
    recognise = engine.text_rec
    monkeypatch.setattr(engine, "text_rec", lambda *a, **k: calls.append(1) or recognise(*a, **k))
    assert reader.read_lines([blank]) == [[]] and calls == []
    assert reader.read_lines([page])[0] and calls == [1]
