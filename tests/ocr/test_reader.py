"""The RapidOCR text reader reads rendered sentences; pictures without text cost little."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from ocr_helpers import fonts, render, word_accuracy
from PIL import Image

from mmdesk.core.library import Library
from mmdesk.errors import PluginError
from mmdesk.plugins.contributions import TEXT_READER
from mmdesk.plugins.runtimes.rapid_ocr import RapidOcrReader

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


def here(reader: RapidOcrReader) -> RapidOcrReader:
    """The same reader, run in this process rather than in a helper process."""
    spec = replace(reader.spec, options={**reader.spec.options, "isolated": False})
    return RapidOcrReader(spec, reader.options)


def test_a_picture_without_text_skips_recognition(reader, monkeypatch) -> None:
    """Detection first: recognition runs only where detection found text."""
    blank = Image.new("RGB", (1024, 768), (120, 160, 200))
    page = render("Some words to read here", fonts()[1][1])
    reader = here(reader)
    engine = reader._load()
    calls: list[int] = []
    recognise = engine.text_rec
    monkeypatch.setattr(engine, "text_rec", lambda *a, **k: calls.append(1) or recognise(*a, **k))
    assert reader.read_lines([blank]) == [[]] and calls == []
    assert reader.read_lines([page])[0] and calls == [1]


def test_the_helper_process_reads_what_this_process_reads(reader) -> None:
    """By default the reader runs in a helper process (OpenCV and RapidOCR hold the GIL there,
    not in the app); its lines are the same as the reader's in this process."""
    pictures = [
        render("INVOICE 42", fonts()[1][1]),
        Image.new("RGB", (320, 240), (40, 90, 160)),
        render("Parking permit valid until March 2024", fonts()[0][1], 3.0),
    ]
    away, local = reader.read_lines(pictures), here(reader).read_lines(pictures)
    assert reader.provider == "CPUExecutionProvider (helper process)"
    assert away == local and away[0] and away[1] == [] and away[2]


def test_a_helper_that_died_is_reported_then_replaced(reader) -> None:
    page = render("INVOICE 42", fonts()[1][1])
    assert reader.read_lines([page])[0]
    worker = reader._worker
    assert worker is not None
    worker.process.kill()
    worker.process.wait()
    with pytest.raises(PluginError, match="helper process for reading text stopped"):
        reader.read_lines([page])
    assert reader.read_lines([page])[0]  # a new helper
    assert reader._worker is not None and reader._worker is not worker
