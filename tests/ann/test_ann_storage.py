"""Vectors are stored as float16z (float16, packed) by default, int8 on request, and read back
whatever mix of dtypes a space holds; every write is noted in the change log."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from ann_corpus import ENCODER, add_items, clustered

from mmdesk.store import Store


def test_dtypes_round_trip_and_mix(tmp_path: Path) -> None:
    store = Store(tmp_path / "lib.db")
    store.ensure_encoder(ENCODER, space="ann", modality="image", dim=64)
    rows = clustered(30, 64)
    add_items(store, np.arange(1, 31))
    store.put_embeddings(list(range(1, 11)), ENCODER, rows[:10])
    store.put_embeddings(list(range(11, 21)), ENCODER, rows[10:20], dtype="int8")
    store.put_embeddings(list(range(21, 31)), ENCODER, rows[20:], dtype="float32")
    dtypes = dict(store.conn.execute("SELECT item_id, dtype FROM embeddings").fetchall())
    assert dtypes[1] == "float16z" and dtypes[11] == "int8"
    ids, matrix = store.load_embeddings([ENCODER], 64)
    got = matrix[np.argsort(ids)]
    assert np.abs(got[:10] - rows[:10]).max() < 1e-3
    assert np.abs(got[10:20] - rows[10:20]).max() < 0.01
    assert np.array_equal(got[20:], rows[20:])
    cosines = np.sum(got * rows, axis=1) / np.linalg.norm(got, axis=1)
    assert cosines.min() > 0.999
    one = store.item_vector(12, [ENCODER])
    assert one is not None and np.allclose(one, got[11])


def test_the_change_log_notes_writes_deletes_and_presence(tmp_path: Path) -> None:
    store = Store(tmp_path / "lib.db")
    store.ensure_encoder(ENCODER, space="ann", modality="image", dim=8)
    add_items(store, np.arange(1, 6))
    store.put_embeddings([1, 2, 3], ENCODER, clustered(3, 8))
    seq = store.embedding_log_seq()
    assert store.embedding_changes([ENCODER], 0) == ([1, 2, 3], seq)
    with store.transaction() as conn:
        conn.execute("DELETE FROM items WHERE id=2")  # cascades to its vector
        conn.execute("UPDATE files SET status='missing' WHERE id=3")
    changed, upto = store.embedding_changes([ENCODER], seq)
    assert sorted(changed) == [2, 3] and upto > seq
    assert store.embedding_changes(["other"], seq)[0] == []
    assert store.count_embedded([ENCODER]) == 1
    assert store.embeddings_after([ENCODER], 8, 0, 10)[0].tolist() == [1]


def test_a_pruned_log_says_what_it_no_longer_covers(tmp_path: Path) -> None:
    store = Store(tmp_path / "lib.db")
    store.ensure_encoder(ENCODER, space="ann", modality="image", dim=8)
    add_items(store, np.arange(1, 6))
    store.put_embeddings([1, 2, 3], ENCODER, clustered(3, 8))
    assert store.embedding_log_covers(0)
    store.prune_embedding_log(2)
    assert store.embedding_log_covers(2) and not store.embedding_log_covers(1)
    store.prune_embedding_log(3)
    assert store.embedding_log_covers(3) and not store.embedding_log_covers(2)
