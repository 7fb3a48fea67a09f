"""A one-shot open (a CLI query) reads without ``PRAGMA quick_check`` and without writing, yet
upgrades an older schema as usual and still says clearly that a damaged library is damaged."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from mmdesk.cli import main
from mmdesk.config import Settings
from mmdesk.errors import ReadOnlyStoreError
from mmdesk.store import Store, connection
from mmdesk.store.connection import split
from mmdesk.store.schema import SCHEMA_VERSION, V1
from tests.store.store_damage import corrupt_table, digest


def _library(path: Path) -> None:
    with Store(path) as store:
        store.add_folder("/photos")
        store.set_setting("space.image", "toy-colours")


def _checks(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record every integrity check the opens run."""
    seen: list[Path] = []
    real = connection.check_integrity

    def recording(conn: sqlite3.Connection, path: Path, *, force: bool = False) -> None:
        seen.append(path)
        real(conn, path, force=force)

    monkeypatch.setattr(connection, "check_integrity", recording)
    return seen


def test_a_one_shot_open_skips_the_check_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "library.db"
    _library(path)
    before = digest(path)
    checks = _checks(monkeypatch)
    with Store(path, one_shot=True) as store:
        assert store.read_only and store.one_shot
        assert store.get_setting("space.image") == "toy-colours"
        with pytest.raises(ReadOnlyStoreError):
            store.set_setting("x", "y")
    assert checks == []
    assert digest(path) == before
    assert not any(Path(f"{path}{s}").exists() for s in ("-wal", "-shm"))
    with Store(path) as store:  # the usual open (the app, writing commands) still checks
        assert not store.read_only and not store.one_shot
    assert checks == [path]


def test_an_older_schema_is_opened_the_usual_way_and_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "library.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in split(V1):
        conn.execute(statement)
    conn.execute("PRAGMA user_version=1")
    conn.close()
    with Store(path, one_shot=True) as store:
        assert not store.read_only
        assert store.scalar("PRAGMA user_version") == SCHEMA_VERSION


@pytest.mark.parametrize("table", ["embeddings", "files"])
def test_a_damaged_library_is_said_to_be_damaged_by_a_query(
    settings: Settings,
    photos: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    table: str,
) -> None:
    assert main(["index", str(photos), "--json"]) == 0
    corrupt_table(settings.db_path, table)
    checks = _checks(monkeypatch)
    capsys.readouterr()
    assert main(["search", "red", "--local", "--min-score", "0"]) == 1
    err = capsys.readouterr().err
    assert "is damaged" in err and "mmdesk restore" in err, err
    assert "Traceback" not in err
    assert checks == []  # found by the query itself, not by a check at the open


def test_an_sqlite_error_inside_a_one_shot_library_is_said_clearly(settings: Settings) -> None:
    from mmdesk.core import remote
    from mmdesk.errors import StoreCorruptError

    with pytest.raises(StoreCorruptError, match="mmdesk restore"):  # e.g. met fetching rows
        with remote.open_library(settings):
            raise sqlite3.DatabaseError("database disk image is malformed")
    with pytest.raises(ZeroDivisionError):  # anything else passes as it is
        with remote.open_library(settings):
            raise ZeroDivisionError
