"""`mmdesk search` says "no good matches" for a query nothing in the library answers (exit 0,
`[]` with --json), `--min-score 0` shows the weak matches anyway, and a real query is kept."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mmdesk.cli import main


@pytest.fixture()
def photo_library(default_settings, skimage_photos: Path, tmp_path: Path) -> Path:
    root = tmp_path / "photos"
    shutil.copytree(skimage_photos, root)
    assert main(["settings", "ocr", "off"]) == 0
    assert main(["index", str(root)]) == 0
    return root


def test_nonsense_gets_no_good_matches_and_real_words_their_photo(
    photo_library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["search", "blorft quazzle"]) == 0
    out = capsys.readouterr()
    assert out.out == "" and "no good matches for 'blorft quazzle'" in out.err
    assert "--min-score 0" in out.err
    assert main(["search", "blorft quazzle", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["search", "blorft quazzle", "--json", "--min-score", "0", "--limit", "3"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 3
    assert main(["search", "a cat", "--json", "--limit", "1"]) == 0
    (top,) = json.loads(capsys.readouterr().out)
    assert Path(top["path"]).stem == "chelsea"
