"""Savepoints that really nest, one generation bump per transaction, one statement per batch."""

from __future__ import annotations

import numpy as np
import pytest

from mmdesk.store import Store
from tests.store.conftest import add_item


def _paths(store: Store) -> list[str]:
    return sorted(r[0] for r in store.query("SELECT path FROM files"))


def test_inner_failure_rolls_back_only_the_inner_part(store: Store) -> None:
    with store.transaction():
        store.upsert_file("/x/a.jpg", size=1, mtime_ns=1, kind="image", status="indexed")
        with pytest.raises(RuntimeError), store.transaction():
            store.upsert_file("/x/b.jpg", size=1, mtime_ns=1, kind="image", status="indexed")
            raise RuntimeError("inner")
        store.upsert_file("/x/c.jpg", size=1, mtime_ns=1, kind="image", status="indexed")
    assert _paths(store) == ["/x/a.jpg", "/x/c.jpg"]


def test_outer_failure_rolls_back_committed_inner_parts(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        with store.transaction():
            store.upsert_file("/x/a.jpg", size=1, mtime_ns=1, kind="image", status="indexed")
        raise RuntimeError("outer")
    assert _paths(store) == []


def test_generation_bumps_once_per_changing_transaction(store: Store) -> None:
    start = store.generation()
    with store.transaction():
        for n in range(5):
            add_item(store, f"/x/{n}.jpg")
    assert store.generation() == start + 1
    store.set_setting("unrelated", "1")
    store.add_label([1], "tag")
    assert store.generation() == start + 1  # settings and labels do not invalidate vectors
    with store.transaction():
        with pytest.raises(RuntimeError), store.transaction():
            add_item(store, "/x/rolled-back.jpg")
            raise RuntimeError
    assert store.generation() == start + 1  # the only change was rolled back


def test_a_batch_of_embeddings_is_one_statement_and_one_mark(store: Store) -> None:
    with store.transaction():
        items = [add_item(store, f"/x/{n}.jpg") for n in range(20)]
        store.ensure_encoder("e", space="s", modality="image", dim=3)
    statements: list[str] = []
    calls: list[str] = []
    many = store._many
    store._many = lambda sql, rows: (calls.append(sql), many(sql, rows))[1]  # type: ignore
    store.conn.set_trace_callback(statements.append)
    before = store.generation()
    with store.transaction():
        store.put_embeddings(items, "e", np.ones((20, 3), np.float32))
    store.conn.set_trace_callback(None)
    assert len(calls) == 1 and calls[0].startswith("INSERT OR REPLACE INTO embeddings")
    assert len([s for s in statements if s.startswith("INSERT INTO settings")]) == 1
    assert store.generation() == before + 1
    assert store.coverage(["e"]) == (20, 20)
