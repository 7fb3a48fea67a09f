"""Store: migrations, refusal of newer schemas, atomic transactions, folders, labels, texts."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from mmdesk.errors import SchemaTooNewError, StoreError
from mmdesk.store import Store
from mmdesk.store.schema import SCHEMA_VERSION


def _file(store: Store, path: str, status: str = "indexed") -> int:
    with store.transaction():
        return store.upsert_file(
            path, size=10, mtime_ns=1, kind="image", status=status, content_hash=path
        )


def test_new_database_is_migrated_to_current_version(tmp_path: Path) -> None:
    with Store(tmp_path / "db.sqlite") as store:
        assert store.scalar("PRAGMA user_version") == SCHEMA_VERSION
        assert store.scalar("PRAGMA journal_mode") == "wal"
        assert store.scalar("PRAGMA foreign_keys") == 1
        tables = {r[0] for r in store.query("SELECT name FROM sqlite_master")}
        assert {"files", "items", "embeddings", "texts", "tags", "labels", "folders"} <= tables


def test_newer_schema_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    with Store(path) as store:
        _file(store, "/x/a.jpg")
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(SchemaTooNewError, match="newer|knows only"):
        Store(path)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT COUNT(*) FROM files").fetchone()[0] == 1
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 5


def test_transaction_rolls_back_everything_on_error(tmp_path: Path) -> None:
    with Store(tmp_path / "db.sqlite") as store:
        with pytest.raises(RuntimeError), store.transaction():
            store.upsert_file("/x/a.jpg", size=1, mtime_ns=1, kind="image", status="indexed")
            with store.transaction():  # nested joins the outer one
                store.upsert_file("/x/b.jpg", size=1, mtime_ns=1, kind="image", status="indexed")
            raise RuntimeError("boom")
        assert store.scalar("SELECT COUNT(*) FROM files") == 0


def test_items_are_stable_and_unique_per_file_and_time(tmp_path: Path) -> None:
    with Store(tmp_path / "db.sqlite") as store:
        fid = _file(store, "/x/a.jpg")
        with store.transaction():
            first = store.ensure_item(fid, "image")
            again = store.ensure_item(fid, "image")
            frame = store.ensure_item(fid, "video_frame", 1.5, 2.0)
        assert first == again and frame != first
        assert store.scalar("SELECT COUNT(*) FROM items") == 2


def test_embeddings_roundtrip_float32_and_float16(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    with Store(tmp_path / "db.sqlite") as store:
        ids = []
        with store.transaction():
            store.ensure_encoder("e", space="s", modality="image", dim=4)
            for n in range(3):
                ids.append(store.ensure_item(_file(store, f"/x/{n}.jpg"), "image"))
            vectors = rng.normal(size=(3, 4)).astype(np.float32)
            store.put_embeddings(ids[:2], "e", vectors[:2], "float32")
            store.put_embeddings(ids[2:], "e", vectors[2:], "float16")
        got_ids, matrix = store.load_embeddings(["e"], 4)
        order = np.argsort(got_ids)
        got_ids, matrix = got_ids[order], matrix[order]
        assert got_ids.tolist() == ids
        np.testing.assert_allclose(matrix[:2], vectors[:2])
        np.testing.assert_allclose(matrix[2], vectors[2], atol=2e-3)


def test_remove_folder_forgets_its_files_and_everything_hanging_off_them(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    with Store(tmp_path / "db.sqlite") as store:
        store.add_folder(a), store.add_folder(b)
        fa, fb = _file(store, str(a / "1.jpg")), _file(store, str(b / "2.jpg"))
        with store.transaction():
            ia, ib = store.ensure_item(fa, "image"), store.ensure_item(fb, "image")
            store.ensure_encoder("e", space="s", modality="image", dim=2)
            store.put_embeddings([ia, ib], "e", np.ones((2, 2)))
        store.add_label([ia, ib], "holiday")
        gen = store.generation()
        assert store.remove_folder(a) == 1
        assert store.generation() > gen
        assert store.scalar("SELECT COUNT(*) FROM files") == 1
        assert store.scalar("SELECT COUNT(*) FROM embeddings") == 1
        assert store.scalar("SELECT COUNT(*) FROM labels") == 1
        assert [f["path"] for f in store.folders()] == [str(b)]
        with pytest.raises(StoreError):
            store.remove_folder(a)


def test_labels_and_tag_counts(tmp_path: Path) -> None:
    with Store(tmp_path / "db.sqlite") as store:
        with store.transaction():
            items = [store.ensure_item(_file(store, f"/x/{n}.jpg"), "image") for n in range(3)]
        store.add_label(items, "Cat")
        store.add_label(items[:1], "cat")  # same tag, case-insensitive
        store.remove_label(items[2:], "CAT")
        assert store.tag_counts() == [("Cat", 2)]
        assert store.label_names(items[0]) == ["Cat"]
        with pytest.raises(StoreError):
            store.add_label(items, "   ")


def test_texts_are_full_text_searchable(tmp_path: Path) -> None:
    with Store(tmp_path / "db.sqlite") as store:
        with store.transaction():
            a = store.ensure_item(_file(store, "/x/a.jpg"), "image")
            b = store.ensure_item(_file(store, "/x/b.jpg"), "image")
        store.add_text(a, "caption", "a tabby cat asleep on a sofa")
        store.add_text(b, "ocr", "INVOICE number 42")
        assert [i for i, _ in store.search_texts("cat")] == [a]
        assert [i for i, _ in store.search_texts("invoice")] == [b]
        assert store.texts_for(b)[0]["source"] == "ocr"


def test_missing_files_keep_their_labels(tmp_path: Path) -> None:
    with Store(tmp_path / "db.sqlite") as store:
        fid = _file(store, "/x/a.jpg")
        with store.transaction():
            item = store.ensure_item(fid, "image")
        store.add_label([item], "keep")
        assert store.mark_missing(["/x/a.jpg"]) == 1
        assert store.file_by_path("/x/a.jpg").status == "missing"
        assert store.label_names(item) == ["keep"]
        assert store.counts()["missing"] == 1
