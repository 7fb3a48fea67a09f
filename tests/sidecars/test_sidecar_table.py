"""Labels, captions and texts as CSV and JSON: one row per file, kind, value, source, score."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

from mmdesk.config import Settings
from mmdesk.core.library import Library

CAPTION = 'a "red", thing\nover two lines'


def _fill(lib: Library, photos: Path) -> int:
    item = lib.item_for_path(photos / "red" / "red-0.png")
    assert item is not None
    lib.tag([item], "Family/Grandpa")
    lib.store.add_label([item], "cat", source="not")
    lib.store.add_label([item], "tomato", source="classifier:toy", score=0.75)
    lib.store.add_text(item, "caption", CAPTION, producer="user")
    lib.store.add_text(item, "ocr", "STOP", producer="ocr-model", lang="en")
    return item


def test_csv_round_trip(lib: Library, photos: Path) -> None:
    _fill(lib, photos)
    out = io.StringIO(newline="")
    assert lib.export_table("all", "csv", out) == 5
    rows = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    red = str(photos / "red" / "red-0.png")
    got = {(r["path"], r["kind"], r["value"], r["source"], r["score"]) for r in rows}
    assert got == {
        (red, "label", "Family/Grandpa", "user", ""),
        (red, "label", "cat", "not", ""),
        (red, "label", "tomato", "predicted", "0.75"),
        (red, "caption", CAPTION, "user", ""),
        (red, "ocr", "STOP", "model", ""),
    }
    assert [r["lang"] for r in rows if r["kind"] == "ocr"] == ["en"]


def test_what_picks_the_rows(lib: Library, photos: Path) -> None:
    _fill(lib, photos)
    counts = {}
    for what in ("labels", "captions", "texts"):
        out = io.StringIO()
        counts[what] = lib.export_table(what, "json", out)
        kinds = {row["kind"] for row in json.loads(out.getvalue())}
        assert (
            kinds
            == {"labels": {"label"}, "captions": {"caption"}, "texts": {"caption", "ocr"}}[what]
        )
    assert counts == {"labels": 3, "captions": 1, "texts": 2}


def test_odd_names_survive_both_formats(settings: Settings, tmp_path: Path) -> None:
    from mmdesk_testing import make_photo

    name = os.path.join(str(tmp_path / "odd"), os.fsdecode(b'caf\xe9, "x".png'))
    make_photo(Path(name), "blue")
    with Library(settings) as lib:
        lib.index([tmp_path / "odd"])
        item = lib.item_for_path(name)
        assert item is not None
        lib.tag([item], "odd")
        target = tmp_path / "out.csv"
        with open(target, "w", encoding="utf-8", newline="", errors="surrogateescape") as f:
            assert lib.export_table("labels", "csv", f) == 1
        with open(target, encoding="utf-8", newline="", errors="surrogateescape") as f:
            assert [r["path"] for r in csv.DictReader(f)] == [name]
        out = io.StringIO()
        lib.export_table("labels", "json", out)
    assert json.loads(out.getvalue())[0]["path"] == name
