"""Backups of user data: make, list, prune, daily, and restore after the library is damaged."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from mmdesk.errors import StoreCorruptError, StoreError
from mmdesk.store import Store, backup
from mmdesk.store.backup import last_backup, list_backups, make_backup, maybe_daily_backup
from mmdesk.store.restore import restore
from tests.store.conftest import add_item
from tests.store.store_damage import corrupt_table


def _labels_by_path(store: Store) -> set[tuple[str, str, str]]:
    rows = store.query(
        "SELECT f.path, t.name, l.source FROM labels l JOIN tags t ON t.id=l.tag_id "
        "JOIN items i ON i.id=l.item_id JOIN files f ON f.id=i.file_id"
    )
    return {(r[0], r[1], r[2]) for r in rows}


def _library(path: Path) -> set[tuple[str, str, str]]:
    with Store(path) as store:
        items = [add_item(store, f"/photos/{n:03}.jpg") for n in range(60)]
        store.add_label(items[::2], "holiday")
        store.add_label(items[:3], "Cat")
        store.add_label(items[5:7], "dog", source="classifier:1", score=0.8)
        store.add_text(items[0], "user", "grandma's garden")
        store.add_text(items[1], "caption", "a machine caption")
        store.set_setting("space.image", "openclip-b32")
        return _labels_by_path(store)


def test_backup_corrupt_restore_brings_every_label_back(tmp_path: Path) -> None:
    db, backups = tmp_path / "library.db", tmp_path / "backups"
    labels = _library(db)
    made = make_backup(db, backups, "daily")
    corrupt_table(db, "labels")
    with pytest.raises(StoreCorruptError):
        Store(db)
    report = restore(made, db)
    assert report.moved_aside is not None and report.moved_aside.exists()
    assert report.moved_aside.name.startswith("library.db.damaged-")
    assert report.labels == len(labels)
    with Store(db) as store:
        store.check()
        assert _labels_by_path(store) == labels
        assert store.get_setting("space.image") == "openclip-b32"
        item = store.item_for_path("/photos/000.jpg")
        assert [t["text"] for t in store.texts_for(item)] == ["grandma's garden"]
        assert store.counts()["pending"] == 60  # the next index run recomputes vectors


def test_backup_is_small_and_listed_with_its_reason(tmp_path: Path) -> None:
    db, backups = tmp_path / "library.db", tmp_path / "backups"
    _library(db)
    with Store(db) as store:
        made = make_backup(store, backups, "Before Migration!")
    info = last_backup(backups)
    assert info is not None and info.path == made
    assert (info.reason, info.labels) == ("before-migration", 35)
    conn = sqlite3.connect(made)
    assert conn.execute("SELECT COUNT(*) FROM items").fetchone()[0] == 32  # labelled ones only
    assert conn.execute("SELECT source FROM texts").fetchall() == [("user",)]
    conn.close()


def test_rolling_backups_keep_a_few_generations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, backups = tmp_path / "library.db", tmp_path / "backups"
    _library(db)
    monkeypatch.setattr(backup, "KEEP", 3)
    for _ in range(5):
        make_backup(db, backups, "daily")
    make_backup(db, backups, "manual")
    reasons = [b.reason for b in list_backups(backups)]
    assert reasons.count("daily") == 3 and reasons.count("manual") == 1


def test_daily_backup_only_when_a_day_has_passed(tmp_path: Path) -> None:
    db, backups = tmp_path / "library.db", tmp_path / "backups"
    _library(db)
    assert maybe_daily_backup(db, backups) is not None
    assert maybe_daily_backup(db, backups) is None
    assert maybe_daily_backup(db, backups, now=time.time() + 25 * 3600) is not None


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path: Path) -> None:
    db = tmp_path / "library.db"
    _library(db)
    with pytest.raises(StoreError, match="not a readable mmdesk backup"):
        restore(db, tmp_path / "other.db")
    assert db.exists()
