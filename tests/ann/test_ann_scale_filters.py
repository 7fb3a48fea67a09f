"""Issue 14 at a million items, in small: float16z vectors are float16 exactly and smaller;
schema V6 converts a V5 library in place; the facets beside a big space's index answer kind and
date filters as the SQL does, through every kind of change; the store's kept filter answers go
stale on any write, a tag's included."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
from ann_corpus import ENCODER, add_items, clustered, library, put, ready, searcher, videos_of_2020

from mmdesk.core.ann import facets as facets_module
from mmdesk.core.ann import space as space_module
from mmdesk.core.ann.facets import Facets
from mmdesk.core.search import Filters, vector
from mmdesk.core.vector_index import AnnIndex, ExactIndex
from mmdesk.store import Store, vectors
from mmdesk.store.backup import make_backup
from mmdesk.store.connection import split
from mmdesk.store.filters import ItemFilter
from mmdesk.store.restore import restore
from mmdesk.store.schema import MIGRATIONS, SCHEMA_VERSION

DIM = 48


def test_float16z_is_float16_exactly_in_fewer_bytes() -> None:
    rows = clustered(200, 512)
    blobs = [vectors.to_blob(r, vectors.FLOAT16Z) for r in rows]
    assert max(len(b) for b in blobs) < 960  # float16: 1,024 bytes
    want = rows.astype(np.float16).astype(np.float32)
    assert np.array_equal(vectors.stack_blobs(blobs, vectors.FLOAT16Z, 512), want)
    assert np.array_equal(vectors.from_blob(blobs[7], vectors.FLOAT16Z), want[7])
    odd = np.array([0.0, -0.0, 1.0, -1.0, 6.1e-5, 65504.0, np.inf, -np.inf], np.float32)
    back = vectors.from_blob(vectors.to_blob(odd, vectors.FLOAT16Z), vectors.FLOAT16Z)
    assert np.array_equal(back, odd.astype(np.float16).astype(np.float32))
    assert np.signbit(back[1])


def test_new_vectors_are_float16z_and_old_float16_rows_still_read(tmp_path: Path) -> None:
    store = Store(tmp_path / "lib.db")
    store.ensure_encoder(ENCODER, space="ann", modality="image", dim=DIM)
    rows = clustered(20, DIM)
    add_items(store, np.arange(1, 21))
    store.put_embeddings(list(range(1, 11)), ENCODER, rows[:10])
    store.put_embeddings(list(range(11, 21)), ENCODER, rows[10:], dtype="float16")
    dtypes = dict(store.conn.execute("SELECT item_id, dtype FROM embeddings").fetchall())
    assert dtypes[1] == "float16z" and dtypes[11] == "float16"
    ids, matrix = store.load_embeddings([ENCODER], DIM)
    assert np.array_equal(matrix[np.argsort(ids)], rows.astype(np.float16).astype(np.float32))


def v5_library(path: Path) -> None:
    """A library as schema V5 made it: float16 vectors, a tag, a video."""
    conn = sqlite3.connect(path, isolation_level=None)
    for script in MIGRATIONS[:5]:
        for statement in split(script):
            conn.execute(statement)
    conn.execute("PRAGMA user_version=5")
    conn.execute(
        "INSERT INTO encoders(id, space, modality, dim, first_seen) "
        "VALUES (?, 'ann', 'image', ?, 0)",
        (ENCODER, DIM),
    )
    rows = clustered(30, DIM)
    for i in range(1, 31):
        kind = "video" if i % 10 == 0 else "image"
        conn.execute(
            "INSERT INTO files(id, path, size, mtime_ns, kind, status, added_at) "
            "VALUES (?, ?, 1, 1, ?, 'indexed', 0)",
            (i, f"/lib/{i:03}.jpg", kind),
        )
        conn.execute("INSERT INTO items(id, file_id, kind) VALUES (?, ?, 'image')", (i, i))
        conn.execute(
            "INSERT INTO embeddings(item_id, encoder, dtype, vector) VALUES (?, ?, 'float16', ?)",
            (i, ENCODER, vectors.to_blob(rows[i - 1], "float16")),
        )
    conn.execute("INSERT INTO tags(id, name, created_at) VALUES (1, 'sunset', 0)")
    conn.execute("INSERT INTO labels(item_id, tag_id, created_at) VALUES (3, 1, 0)")
    conn.close()


def test_v6_converts_a_v5_library_in_place(tmp_path: Path) -> None:
    v5_library(tmp_path / "lib.db")
    store = Store(tmp_path / "lib.db", backups_dir=tmp_path / "backups")
    assert store.scalar("PRAGMA user_version") == SCHEMA_VERSION >= 6
    indexes = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master")}
    assert "files_kind" in indexes and "embeddings_encoder" not in indexes
    assert "files_log_meta" in indexes
    plan = " ".join(
        r[3]
        for r in store.conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM files WHERE kind='video' AND status='indexed'"
        )
    )
    assert "files_kind" in plan
    # the vectors and what the rows say are all there
    assert store.embedding_counts() == {ENCODER: 30}
    ids, matrix = store.load_embeddings([ENCODER], DIM)
    want = clustered(30, DIM).astype(np.float16).astype(np.float32)
    assert np.array_equal(matrix[np.argsort(ids)], want)
    assert store.filtered_item_ids(ItemFilter(kinds=["video"])).tolist() == [10, 20, 30]
    assert store.filtered_item_ids(ItemFilter(tags=["sunset"])).tolist() == [3]
    assert store.delete_embeddings([ENCODER]) == 30  # without the encoder index
    # a backup of the migrated library restores
    backup = make_backup(store, tmp_path / "backups", "manual")
    store.close()
    restored = tmp_path / "restored.db"
    restore(backup, restored)
    again = Store(restored)
    assert again.scalar("PRAGMA user_version") == SCHEMA_VERSION
    assert again.filtered_item_ids(ItemFilter(tags=["sunset"], kinds=["image"])) is not None
    assert again.scalar("SELECT COUNT(*) FROM labels") == 1


def test_a_file_moved_or_redated_is_logged_for_its_vectors_only_as_meta(tmp_path: Path) -> None:
    store = library(tmp_path / "lib.db", clustered(4, DIM))
    seq = store.embedding_log_seq()
    with store.transaction() as conn:
        conn.execute("UPDATE files SET path='/moved/2.jpg' WHERE id=2")
        conn.execute("UPDATE files SET taken_at='2020-01-02T00:00:00' WHERE id=3")
        conn.execute("UPDATE files SET size=5 WHERE id=4")  # not what filters read
    assert store.embedding_changes([ENCODER], seq) == ([], store.embedding_log_seq())
    changed, _ = store.embedding_changes([ENCODER], seq, meta=True)
    assert sorted(changed) == [2, 3]


FILTERS = [
    ItemFilter(kinds=["video"]),
    ItemFilter(kinds=["image", "audio"]),
    ItemFilter(after="2020-01-01"),
    ItemFilter(before="2020-01-01"),
    ItemFilter(after="2019-06-01", before="2021-01-01T12:00:00"),
    ItemFilter(kinds=["image"], after="2020-01-01", tags=["sunset"]),
    ItemFilter(kinds=["video"], under=["/lib/b"]),
]


def dated_library(path: Path, n: int = 300) -> Store:
    store = Store(path)
    store.ensure_encoder(ENCODER, space="ann", modality="image", dim=8)
    rows = []
    for i in range(1, n + 1):
        taken = None if i % 7 == 0 else f"{2015 + i % 9}-{1 + i % 12:02}-0{1 + i % 9}T10:00:00"
        taken = "2020-01-01" if i == 11 else taken  # a date alone, equal to a bound
        folder = "a" if i % 2 else "b"
        kind = "video" if i % 5 == 0 else "image"
        rows.append((i, f"/lib/{folder}/{i:04}.jpg", kind, taken, i * 86_400 * 10**9 * 11))
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO files(id, path, size, mtime_ns, kind, taken_at, status, added_at) "
            "VALUES (?, ?, 1, ?, ?, ?, 'indexed', 0)",
            [(i, p, m, k, t) for i, p, k, t, m in rows],
        )
        conn.executemany(
            "INSERT INTO items(id, file_id, kind) VALUES (?, ?, 'image')",
            [(r[0], r[0]) for r in rows],
        )
        conn.execute("INSERT INTO tags(id, name, created_at) VALUES (1, 'sunset', 0)")
        conn.executemany(
            "INSERT INTO labels(item_id, tag_id, created_at) VALUES (?, 1, 0)",
            [(i,) for i in range(1, n + 1, 3)],
        )
    store.put_embeddings(list(range(1, n + 1)), ENCODER, clustered(n, 8))
    return store


def agree(facets: Facets, store: Store) -> None:
    for f in FILTERS:
        got = facets.allowed(store, f)
        assert got is not None, f
        assert got.tolist() == store.filtered_item_ids(f).tolist(), f


def test_facets_answer_kind_and_date_filters_as_the_sql_does(tmp_path: Path) -> None:
    store = dated_library(tmp_path / "lib.db")
    facets = Facets()
    assert facets.allowed(store, FILTERS[0]) is None  # not read yet: the SQL answers
    facets.start(store.path)
    facets.wait()
    assert facets.ready and facets.error is None
    agree(facets, store)
    assert facets.allowed(store, ItemFilter(tags=["sunset"])) is None  # nothing for facets
    # every kind of change, then caught up from the log
    with store.transaction() as conn:
        conn.execute("UPDATE files SET kind='video' WHERE id=1")
        conn.execute("UPDATE files SET taken_at='2020-05-05T00:00:00' WHERE id=2")
        conn.execute("UPDATE files SET taken_at=NULL, mtime_ns=0 WHERE id=3")
        conn.execute("UPDATE files SET path='/lib/b/moved.jpg' WHERE id=5")
        conn.execute("UPDATE files SET status='missing' WHERE id=10")
        conn.execute("DELETE FROM items WHERE id=15")
    add_items(store, np.array([400]), kind="video")
    store.put_embeddings([400], ENCODER, clustered(1, 8))
    assert facets.allowed(store, FILTERS[0]) is not None
    facets.catch_up(store, [ENCODER])
    agree(facets, store)
    assert 1 in facets.allowed(store, FILTERS[0]).tolist()  # type: ignore[union-attr]
    assert 10 not in facets.allowed(store, FILTERS[0]).tolist()  # type: ignore[union-attr]


def test_facets_fold_many_changes_into_their_arrays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(facets_module, "COMPACT", 10)
    monkeypatch.setattr(facets_module, "CHUNK", 7)  # read in many chunks
    store = dated_library(tmp_path / "lib.db")
    facets = Facets()
    facets.start(store.path)
    facets.wait()
    agree(facets, store)
    with store.transaction() as conn:
        conn.execute("UPDATE files SET kind='video' WHERE id <= 40")
        conn.execute("DELETE FROM items WHERE id BETWEEN 41 AND 60")
    facets.catch_up(store, [ENCODER])
    agree(facets, store)


def test_the_kept_filter_answers_go_stale_on_any_write(tmp_path: Path) -> None:
    store = dated_library(tmp_path / "lib.db", n=30)
    tagged = ItemFilter(tags=["sunset"])
    first = store.filtered_item_ids(tagged)
    assert store.filtered_item_ids(tagged) is first  # kept: the SQL did not run again
    assert not first.flags.writeable
    store.add_label([2], "sunset")  # a label does not move the generation, but is seen
    assert 2 in store.filtered_item_ids(tagged).tolist()
    other = Store(tmp_path / "lib.db")  # another connection's commit is seen too
    with other.transaction() as conn:
        conn.execute("DELETE FROM labels WHERE item_id=1")
    other.close()
    assert 1 not in store.filtered_item_ids(tagged).tolist()


def test_a_filtered_search_of_a_big_space_reads_the_facets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vector, "ANN_MIN", 2000)
    rows, store, search = videos_of_2020(tmp_path / "lib.db", DIM)
    where = Filters(kinds=["video"], after="2020", limit=10)
    results = search.search_vector(rows[5], where)
    allowed = np.arange(60, 3001, 60)
    exact = ExactIndex(allowed, rows[allowed - 1])
    assert [r.item_id for r in results] == exact.search(rows[5], 10)[0].tolist()
    with store.transaction() as conn:  # a file re-dated out of the filter: seen at once
        conn.execute("UPDATE files SET taken_at='2019' WHERE id=?", (results[0].item_id,))
    again = search.search_vector(rows[5], where)
    assert results[0].item_id not in [r.item_id for r in again] and len(again) == 10


def test_the_change_log_is_pruned_once_the_index_is_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vector, "ANN_MIN", 2000)
    monkeypatch.setattr(space_module, "SAVE_EVERY", 50)
    rows = clustered(2600, DIM)
    store = library(tmp_path / "lib.db", rows[:2400])
    first = ready(searcher(store, DIM))  # built: the log it was built from is gone
    assert store.scalar("SELECT COUNT(*) FROM embedding_log") == 0
    assert len(first.index()) == 2400
    # another instance of the library writes and saves, pruning past what `first` holds
    other_store = Store(tmp_path / "lib.db")
    other = searcher(other_store, DIM)
    assert isinstance(other.index(), AnnIndex)
    other.ann.wait()  # its check of the count against the database
    put(other_store, rows[2400:], 2401)
    other.index()
    other.ann.wait()
    assert other_store.scalar("SELECT COUNT(*) FROM embedding_log") == 0
    # `first` cannot catch up from the log any more: it opens the saved generation instead
    index = first.index()
    assert isinstance(index, AnnIndex) and len(index) == 2600
    got = first.search_vector(rows[2500], Filters(limit=1))
    assert got[0].item_id == 2501


def test_facets_read_again_when_the_log_was_pruned_past_them(tmp_path: Path) -> None:
    store = dated_library(tmp_path / "lib.db")
    facets = Facets()
    facets.start(store.path)
    facets.wait()
    with store.transaction() as conn:
        conn.execute("UPDATE files SET kind='video' WHERE id <= 30")
    store.prune_embedding_log(store.embedding_log_seq())
    facets.catch_up(store, [ENCODER])
    facets.wait()
    assert facets.ready
    agree(facets, store)
