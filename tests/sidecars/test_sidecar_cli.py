"""`mmdesk export xmp|csv|json` and `mmdesk import xmp` with their --json summaries."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from mmdesk.cli import main
from mmdesk.config import Settings


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]):
    assert main(argv) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


@pytest.fixture()
def tagged(settings: Settings, photos: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """The photos indexed, red-0 tagged "Family/Grandpa"."""
    red = photos / "red" / "red-0.png"
    assert main(["index", str(photos), "--json"]) == 0
    assert main(["tag", "add", "Family/Grandpa", str(red)]) == 0
    capsys.readouterr()
    return red


def test_export_xmp_json_summary(tagged: Path, capsys, exempi) -> None:
    summary = _json(capsys, ["export", "xmp", "--json"])
    assert (summary["files"], summary["written"], summary["skipped"]) == (9, 1, 8)
    assert summary["problems"] == [] and summary["cancelled"] is False
    seen = exempi(str(tagged) + ".xmp")
    assert seen.array("http://purl.org/dc/elements/1.1/", "subject") == ["Grandpa"]


def test_export_xmp_of_a_folder_and_text_summary(tagged: Path, capsys) -> None:
    assert main(["export", "xmp", str(tagged.parent)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1 sidecars written, 0 unchanged, 2 files with nothing to write")


def test_import_xmp_json_summary(tagged: Path, capsys) -> None:
    assert main(["export", "xmp"]) == 0
    assert main(["tag", "remove", "Family/Grandpa", str(tagged)]) == 0
    capsys.readouterr()
    summary = _json(capsys, ["import", "xmp", str(tagged), "--json"])
    assert (summary["read"], summary["keywords"], summary["labelled"]) == (1, 1, 1)
    rows = _json(capsys, ["tag", "show", str(tagged), "--json"])
    assert [t["name"] for t in rows[0]["tags"]] == ["Family/Grandpa"]


def test_export_csv_to_a_file(tagged: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "labels.csv"
    summary = _json(capsys, ["export", "csv", "--what", "labels", "--out", str(out), "--json"])
    assert summary == {"rows": 1, "what": "labels", "out": str(out)}
    with open(out, newline="", encoding="utf-8") as f:
        assert [(r["path"], r["value"]) for r in csv.DictReader(f)] == [
            (str(tagged), "Family/Grandpa")
        ]


def test_export_json_to_stdout(tagged: Path, capsys) -> None:
    rows = _json(capsys, ["export", "json"])
    assert [(r["kind"], r["value"], r["source"]) for r in rows] == [
        ("label", "Family/Grandpa", "user")
    ]


def test_a_path_outside_the_library_is_an_error(tagged: Path, tmp_path: Path, capsys) -> None:
    assert main(["export", "xmp", str(tmp_path / "elsewhere.png")]) == 1
    assert "is not in the library" in capsys.readouterr().err
    assert main(["import", "xmp", str(tmp_path / "elsewhere.png")]) == 1
