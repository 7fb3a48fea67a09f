"""``mmdesk ocr``: reads the named pictures again or every unread one, and prints their text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mmdesk_testing import make_photo
from ocr_helpers import fonts, render, word_accuracy

from mmdesk.cli import main
from mmdesk.config import Settings
from mmdesk.core.library import Library


@pytest.fixture()
def unread(ocr_settings: Settings, tmp_path: Path) -> Path:
    """A receipt and a plain photo, indexed with reading text turned off."""
    root = tmp_path / "photos"
    make_photo(root / "red.png", "red", seed=1)
    render("TOTAL 42.50 INVOICE", fonts()[1][1]).save(root / "receipt.png")
    with Library(ocr_settings) as lib:
        lib.set_ocr_enabled(False)
        lib.index([root])
        assert lib.ocr_texts() == {}
    return root


def test_ocr_all_reads_the_unread_and_prints_what_has_text(
    unread: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ocr", "--all", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert Path(row["path"]).name == "receipt.png"
    assert word_accuracy("TOTAL 42.50 INVOICE", row["text"]) == (4, 4)
    assert set(row["lines"][0]) == {"text", "box", "score"}
    assert len(row["lines"][0]["box"]) == 4 and row["lines"][0]["score"] > 0.5
    assert main(["ocr", "--all"]) == 0  # nothing left unread; the text is still printed
    out = capsys.readouterr().out
    assert "receipt.png: " in out and "INVOICE" in out.upper() and "red.png" not in out


def test_ocr_of_named_files_reads_them_and_says_when_there_is_no_text(
    unread: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ocr", str(unread / "red.png"), str(unread / "receipt.png")]) == 0
    said = dict(
        line.rsplit("/", 1)[1].split(": ", 1) for line in capsys.readouterr().out.splitlines()
    )
    assert said["red.png"] == "(no text)" and "42" in said["receipt.png"]
    assert main(["search", "invoice", "--json"]) == 0
    assert Path(json.loads(capsys.readouterr().out)[0]["path"]).name == "receipt.png"


def test_ocr_usage_errors(unread: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ocr"]) == 1
    assert main(["ocr", "--all", str(unread / "red.png")]) == 1
    assert main(["ocr", str(unread / "elsewhere.png")]) == 1
    assert "not in the library" in capsys.readouterr().err
