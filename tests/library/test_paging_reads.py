"""The reads behind browsing everything: a count, pages by offset, and a date histogram."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from mmdesk_testing import make_photo

from mmdesk.config import Settings
from mmdesk.core.library import Library
from mmdesk.core.search import Filters

# (folder, day the file was last changed, photos): three months, two days in March
DAYS = [
    ("a", "2024-01-20", 2),
    ("a", "2024-03-02", 3),
    ("b", "2024-03-17", 1),
    ("b", "2024-05-09", 4),
]


def dated_photos(root: Path) -> Path:
    """Photos without EXIF, dated by their file time (noon, local time, on each day)."""
    n = 0
    for folder, day, count in DAYS:
        for _ in range(count):
            path = make_photo(root / folder / f"p{n:02d}.png", "red", seed=n)
            stamp = dt.datetime.fromisoformat(f"{day}T12:00:00").timestamp()
            os.utime(path, (stamp, stamp))
            n += 1
    return root


def date_of(result) -> str:
    return dt.datetime.fromtimestamp(result.file["mtime_ns"] // 10**9).strftime("%Y-%m-%d")


def test_count_pages_and_histogram_agree_with_browse(settings: Settings, tmp_path: Path) -> None:
    root = dated_photos(tmp_path / "pics")
    with Library(settings) as lib:
        lib.add_folder(root)
        lib.index()
        assert lib.count() == 10
        assert lib.count(Filters(under=[str(root / "b")])) == 5
        everything = [r.item_id for r in lib.browse(Filters(limit=100))]
        pages = [lib.browse_page(Filters(), offset, 4) for offset in (0, 4, 8)]
        assert [len(p) for p in pages] == [4, 4, 2]
        assert [r.item_id for page in pages for r in page] == everything
        months = lib.date_histogram()
        assert months == [("2024-05", 4), ("2024-03", 4), ("2024-01", 2)]
        assert lib.date_histogram(Filters(under=[str(root / "a")])) == [
            ("2024-03", 3),
            ("2024-01", 2),
        ]
        days = lib.date_histogram(Filters(), "day")
        assert days == [("2024-05-09", 4), ("2024-03-17", 1), ("2024-03-02", 3), ("2024-01-20", 2)]
        # each period's first item is at the offset the counts before it add up to
        shown = lib.browse(Filters(limit=100))
        offset = 0
        for day, count in days:
            assert {date_of(r) for r in shown[offset : offset + count]} == {day}
            offset += count


def test_histogram_follows_the_oldest_first_order(settings: Settings, tmp_path: Path) -> None:
    root = dated_photos(tmp_path / "pics")
    with Library(settings) as lib:
        lib.add_folder(root)
        lib.index()
        oldest = Filters(sort="oldest")
        assert lib.date_histogram(oldest) == [("2024-01", 2), ("2024-03", 4), ("2024-05", 4)]
        first = lib.browse_page(oldest, 0, 2)
        assert {date_of(r) for r in first} == {"2024-01-20"}
        assert lib.count(Filters(kinds=["video"])) == 0
        assert lib.date_histogram(Filters(kinds=["video"])) == []
