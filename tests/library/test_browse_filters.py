"""Browsing a library: folder counts, the camera filter, date order, mmdesk's own folders."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from mmdesk_testing import exif_photo, make_photo

from mmdesk.cli import main
from mmdesk.config import Settings
from mmdesk.core.library import Library
from mmdesk.core.search import Filters
from mmdesk.core.watch.batch import Batch
from mmdesk.core.watch.job import WatchJob
from mmdesk.errors import MmdeskError


def set_mtime(path: Path, year: int) -> None:
    stamp = dt.datetime(year, 6, 1, 12, 0).timestamp()
    os.utime(path, (stamp, stamp))


def test_folder_counts_are_what_browsing_each_folder_shows(
    settings: Settings, tmp_path: Path
) -> None:
    root = tmp_path / "pics"
    for n, name in enumerate(["a/x/1.png", "a/x/2.png", "a/y/3.png", "b/4.png", "top.png"]):
        make_photo(root / name, "red", seed=n)
    (root / "empty").mkdir()
    (root / "notes").mkdir()
    (root / "notes" / "readme.txt").write_text("not media")
    with Library(settings) as lib:
        lib.add_folder(root)
        lib.index()
        counts = lib.folder_counts()
        expected = {"": 5, "a": 3, "a/x": 2, "a/y": 1, "b": 1}
        assert counts == {str(root / k) if k else str(root): v for k, v in expected.items()}
        for folder, count in counts.items():
            assert len(lib.browse(Filters(under=[folder], limit=100))) == count
        lib.add_folder(root / "a")  # library folders may nest: counted once each
        assert lib.folder_counts() == counts


def test_the_camera_filter_and_the_cameras_offered(settings: Settings, tmp_path: Path) -> None:
    root = tmp_path / "pics"
    exif_photo(root / "c1.jpg", (200, 20, 20), "2020:01:01 10:00:00", "Canon EOS 5D")
    exif_photo(root / "c2.jpg", (210, 30, 20), "2020:01:02 10:00:00", "Canon EOS 5D")
    exif_photo(root / "n1.jpg", (200, 25, 25), "2020:01:03 10:00:00", "NIKON D750")
    make_photo(root / "plain.png", "red")
    with Library(settings) as lib:
        lib.index([root])
        assert lib.cameras() == [("Canon EOS 5D", 2), ("NIKON D750", 1)]
        nikon = lib.browse(Filters(camera=["NIKON D750"], limit=100))
        assert [Path(r.path).name for r in nikon] == ["n1.jpg"]
        assert len(lib.browse(Filters(camera="Canon EOS 5D", limit=100))) == 2  # type: ignore[arg-type]
        both = Filters(camera=["Canon EOS 5D", "NIKON D750"], limit=100)
        assert len(lib.browse(both)) == 3 and both.narrows
        found = lib.search("red", Filters(camera=["NIKON D750"], limit=100, min_score=0.0))
        assert [Path(r.path).name for r in found] == ["n1.jpg"]


@pytest.fixture()
def dated(tmp_path: Path) -> Path:
    """Photos taken in 2019 and 2023 (EXIF) and a photo without EXIF last changed in 2021."""
    root = tmp_path / "dated"
    exif_photo(root / "old.jpg", (200, 20, 20), "2019:05:01 10:00:00", "Canon EOS 5D")
    exif_photo(root / "new.jpg", (200, 30, 30), "2023:05:01 10:00:00", "Canon EOS 5D")
    set_mtime(root / "old.jpg", 2024)  # the EXIF date wins over the file time
    set_mtime(root / "new.jpg", 2018)
    set_mtime(make_photo(root / "scan.png", "red"), 2021)
    return root


def test_newest_and_oldest_first_date_files_without_exif_by_their_file_time(
    settings: Settings, dated: Path
) -> None:
    newest = ["new.jpg", "scan.png", "old.jpg"]
    with Library(settings) as lib:
        lib.index([dated])
        for sort in ("newest", "date"):  # "date" is the old name of newest first
            browsed = lib.browse(Filters(sort=sort, limit=10))
            assert [Path(r.path).name for r in browsed] == newest
        oldest = lib.browse(Filters(sort="oldest", limit=10))
        assert [Path(r.path).name for r in oldest] == newest[::-1]
        assert [Path(r.path).name for r in lib.browse(Filters(sort="oldest", limit=1))] == [
            "old.jpg"
        ]
        for sort, order in (("newest", newest), ("oldest", newest[::-1])):
            found = lib.search("red", Filters(sort=sort, limit=10, min_score=0.0))
            assert [Path(r.path).name for r in found] == order
            only_filters = lib.search("kind:image", Filters(sort=sort, limit=10))
            assert [Path(r.path).name for r in only_filters] == order
    with pytest.raises(MmdeskError, match="sort by one of"):
        Filters(sort="sideways")


def test_the_data_folder_and_its_caches_are_never_indexed(
    settings: Settings, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    make_photo(home / "photo.png", "green")
    settings.data_dir = home / "mmdesk-data"
    settings.cache_override = None
    make_photo(settings.cache_dir / "thumbs" / "ab" / "thumb.png", "red")
    make_photo(settings.backups_dir / "x.png", "red")
    make_photo(settings.data_dir / "screenshot.png", "red")
    make_photo(settings.data_dir / "sample-library" / "sample.png", "blue")
    with Library(settings) as lib:
        lib.add_folder(home)
        report = lib.index()
        assert (report.found, report.indexed) == (1, 1)
        assert [Path(r.path).name for r in lib.browse(Filters(limit=10))] == ["photo.png"]
        # what the watcher reports under them is ignored too
        make_photo(settings.cache_dir / "thumbs" / "cd" / "new-thumb.png", "red", seed=3)
        changed = {str(settings.cache_dir / "thumbs" / "cd"), str(settings.data_dir / "a.png")}
        make_photo(settings.data_dir / "a.png", "red", seed=4)
        job = WatchJob(Batch(changed=changed))
        lib.run(job)
        assert job.report.files == 0
        assert lib.status()["files"] == 1
        # a library folder inside the data folder (the sample library) is indexed
        lib.add_folder(settings.data_dir / "sample-library")
        lib.index()
        names = {Path(r.path).name for r in lib.browse(Filters(limit=10))}
        assert names == {"photo.png", "sample.png"}
        # re-scanning the outer folder alone leaves the sample library's files alone
        assert lib.index([home]).missing == 0
        assert {Path(r.path).name for r in lib.browse(Filters(limit=10))} == names


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> list[dict[str, object]]:
    assert main(argv) == 0
    rows = json.loads(capsys.readouterr().out)
    assert isinstance(rows, list)
    return rows


def test_cli_camera_filter_and_oldest_first(
    settings: Settings, dated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exif_photo(dated / "nikon.jpg", (200, 20, 20), "2020:01:01 10:00:00", "NIKON D750")
    assert main(["index", str(dated), "--json"]) == 0
    capsys.readouterr()
    local = ["--local", "--json", "--limit", "10"]
    rows = _json(capsys, ["search", "kind:image", "--camera", "NIKON D750", *local])
    assert [Path(str(r["path"])).name for r in rows] == ["nikon.jpg"]
    rows = _json(capsys, ["search", "red", "--sort", "oldest", "--min-score", "0", *local])
    assert [Path(str(r["path"])).name for r in rows] == [
        "old.jpg",
        "nikon.jpg",
        "scan.png",
        "new.jpg",
    ]
    rows = _json(capsys, ["search", "kind:image", "--sort", "newest", "--after", "2021", *local])
    assert [Path(str(r["path"])).name for r in rows] == ["new.jpg", "scan.png"]
    rows = _json(capsys, ["browse", "--sort", "oldest", "--json", "--limit", "10"])
    assert [Path(str(r["path"])).name for r in rows] == [
        "old.jpg",
        "nikon.jpg",
        "scan.png",
        "new.jpg",
    ]
    rows = _json(capsys, ["browse", "--camera", "Canon EOS 5D", "--json"])
    assert [Path(str(r["path"])).name for r in rows] == ["new.jpg", "old.jpg"]
