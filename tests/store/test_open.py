"""Opening: refuse newer, foreign, special and damaged files untouched; upgrade V1 with data."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from mmdesk.errors import (
    NotALibraryError,
    ReadOnlyStoreError,
    SchemaTooNewError,
    StoreCorruptError,
    StoreError,
)
from mmdesk.store import Store, connection
from mmdesk.store.backup import list_backups
from mmdesk.store.connection import split
from mmdesk.store.schema import APPLICATION_ID, SCHEMA_VERSION, V1
from tests.store.conftest import add_item
from tests.store.store_damage import corrupt_table, digest


def _library_with_labels(path: Path, n: int = 50) -> list[int]:
    with Store(path) as store:
        items = [add_item(store, f"/photos/{i:03}.jpg") for i in range(n)]
        store.add_label(items, "holiday")
        store.add_label(items[:5], "cat")
    return items


def test_new_library_has_identity_and_wal(tmp_path: Path) -> None:
    with Store(tmp_path / "library.db") as store:
        assert store.scalar("PRAGMA application_id") == APPLICATION_ID
        assert store.scalar("PRAGMA user_version") == SCHEMA_VERSION


def test_newer_schema_in_delete_mode_is_left_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "library.db"
    _library_with_labels(path, 3)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.close()
    before = digest(path)
    with pytest.raises(SchemaTooNewError):
        Store(path)
    assert digest(path) == before
    assert not Path(f"{path}-wal").exists()


def test_foreign_sqlite_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "library.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("INSERT INTO notes(body) VALUES ('mine')")
    conn.commit()
    conn.close()
    before = digest(path)
    with pytest.raises(NotALibraryError, match="not an mmdesk library"):
        Store(path)
    assert digest(path) == before


def test_non_sqlite_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "library.db"
    path.write_bytes(b"just some text, not a database" * 10)
    with pytest.raises(NotALibraryError):
        Store(path)
    assert path.read_bytes() == b"just some text, not a database" * 10


def test_zero_byte_file_is_a_crashed_create_and_is_initialised(tmp_path: Path) -> None:
    path = tmp_path / "library.db"
    path.touch()
    with Store(path) as store:
        assert store.scalar("PRAGMA user_version") == SCHEMA_VERSION


def test_library_that_is_not_a_regular_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "library.db"
    path.symlink_to("/dev/null")
    with pytest.raises(StoreError, match="not a regular file"):
        Store(path)
    (tmp_path / "dir.db").mkdir()
    with pytest.raises(StoreError, match="not a regular file"):
        Store(tmp_path / "dir.db")


def test_disk_full_while_creating_surfaces_the_real_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_connect = sqlite3.connect

    def tiny(*args: object, **kwargs: object) -> sqlite3.Connection:
        conn = real_connect(*args, **kwargs)  # type: ignore[arg-type]
        conn.execute("PRAGMA max_page_count=3")  # the "disk" holds three pages
        return conn

    monkeypatch.setattr(connection.sqlite3, "connect", tiny)
    path = tmp_path / "library.db"
    with pytest.raises(StoreError, match="full") as raised:
        Store(path)
    assert "rollback" not in str(raised.value)
    assert isinstance(raised.value.__cause__, sqlite3.OperationalError)
    assert not path.exists(), "a failed create leaves no half-made library"


def test_damaged_page_is_detected_on_open(tmp_path: Path) -> None:
    path = tmp_path / "library.db"
    _library_with_labels(path)
    corrupt_table(path, "labels")
    with pytest.raises(StoreCorruptError, match="mmdesk restore"):
        Store(path)


def test_damage_found_later_refuses_every_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "library.db"
    items = _library_with_labels(path)
    corrupt_table(path, "labels")
    monkeypatch.setattr(connection, "QUICK_CHECK_MAX_BYTES", 0)  # as for a huge library
    with Store(path) as store:
        with pytest.raises(StoreCorruptError):
            store.labels_for(items[0])  # reads the rows (tag counts: the covering index)
        with pytest.raises(StoreCorruptError, match="restore"):
            store.add_label(items, "new")
        with pytest.raises(StoreCorruptError):
            store.set_setting("x", "y")


def test_read_only_library_reads_and_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "library.db"
    items = _library_with_labels(path, 3)
    before = digest(path)
    with Store(path, read_only=True) as store:
        assert store.read_only
        assert store.tag_counts() == [("cat", 3), ("holiday", 3)]
        with pytest.raises(ReadOnlyStoreError, match="read-only"):
            store.add_label(items, "x")
    assert digest(path) == before
    assert not any(Path(f"{path}{s}").exists() for s in ("-wal", "-shm"))
    with Store(path) as store:  # a later writer is not blocked
        store.add_label(items, "x")


def test_unwritable_file_is_opened_read_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "library.db"
    _library_with_labels(path, 2)
    if os.geteuid() != 0:
        path.chmod(0o444)
    else:  # root ignores file modes: simulate what os.access says for a 0444 file
        monkeypatch.setattr(connection.os, "access", lambda p, mode: mode != os.W_OK)
    with Store(path) as store:
        assert store.read_only and store.counts()["files"] == 2
        with pytest.raises(ReadOnlyStoreError):
            store.set_setting("a", "b")
    path.chmod(0o644)
    assert not Path(f"{path}-shm").exists()


def _v1_library(path: Path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in split(V1):
        conn.execute(statement)
    conn.executescript(
        """
        PRAGMA user_version=1;
        INSERT INTO folders(id, path, added_at) VALUES (1, '/photos', 0);
        INSERT INTO files(id, path, folder_id, size, mtime_ns, kind, status, added_at)
            VALUES (1, '/photos/a.jpg', 1, 5, 1, 'image', 'indexed', 0);
        INSERT INTO items(id, file_id, kind) VALUES (1, 1, 'image');
        INSERT INTO tags(id, name, created_at) VALUES (1, 'Beach', 0);
        INSERT INTO labels(item_id, tag_id, created_at) VALUES (1, 1, 0);
        INSERT INTO texts(item_id, source, text, created_at)
            VALUES (1, 'ocr', 'TOTALINVOICE 42', 0);
        INSERT INTO settings VALUES ('active_space', 'openclip-b32'),
            ('pending_space', 'siglip');
        """
    )
    conn.close()


def test_v1_library_with_data_is_upgraded_and_backed_up_first(tmp_path: Path) -> None:
    path = tmp_path / "library.db"
    _v1_library(path)
    with Store(path) as store:
        assert store.scalar("PRAGMA user_version") == SCHEMA_VERSION
        assert store.scalar("PRAGMA application_id") == APPLICATION_ID
        assert store.get_setting("space.image") == "openclip-b32"
        assert store.get_setting("pending_space.image") == "siglip"
        assert store.get_setting("active_space") == "openclip-b32"  # nothing deleted
        assert store.label_names(1) == ["Beach"]
        assert store.file_by_path("/photos/a.jpg").error_kind is None
        assert [i for i, _ in store.search_texts("invoice")] == [1]  # trigram filled
    backups = list_backups(tmp_path / "backups")
    assert [(b.reason, b.labels) for b in backups] == [("before-migration-v1", 1)]


def test_newer_schema_in_wal_mode_leaves_no_side_files(tmp_path: Path) -> None:
    path = tmp_path / "library.db"
    _library_with_labels(path, 2)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.close()
    before = digest(path)
    with pytest.raises(SchemaTooNewError):
        Store(path)
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["library.db"]
