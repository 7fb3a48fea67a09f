"""The persistent ANN index behind Searcher: agrees with exact search, is rebuilt when its
files are stale beyond repair, truncated or from another model, catches up from the change
log, and returns k filtered results."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from ann_corpus import ENCODER, clustered, library, put, ready, searcher

from mmdesk.core.ann import header as headers
from mmdesk.core.search import Filters, vector
from mmdesk.core.vector_index import AnnIndex, ExactIndex
from mmdesk.store import Store

DIM = 48


@pytest.fixture(autouse=True)
def small_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vector, "ANN_MIN", 2000)


def recall(
    index: AnnIndex, exact: ExactIndex, queries: np.ndarray, allowed: np.ndarray | None = None
) -> float:
    hits = 0
    for q in queries:
        got = index.search_ids(q, 10, allowed)[0]
        want = exact.search_ids(q, 10, allowed)[0]
        hits += len(set(got.tolist()) & set(want.tolist()))
    return hits / (10 * len(queries))


def stem_of(tmp_path: Path) -> str:
    found = headers.read(tmp_path / "index" / "ann.json")
    assert found is not None
    return found.stem


def test_ann_agrees_with_exact_search(tmp_path: Path) -> None:
    rows = clustered(30_100, DIM)
    rows, queries = rows[:30_000], rows[30_000:]  # held out: queries like the library
    store = library(tmp_path / "lib.db", rows)
    search = searcher(store, DIM)
    assert isinstance(search.index(), ExactIndex)  # answers while the index is built
    search.ann.wait()
    index = search.index()
    assert isinstance(index, AnnIndex) and len(index) == 30_000
    exact = ExactIndex(np.arange(1, 30_001), rows)
    assert recall(index, exact, queries) >= 0.95
    wide = np.arange(1, 30_001, 3, dtype=np.int64)  # a third: searched in the graph
    assert recall(index, exact, queries[:30], wide) >= 0.95


def test_filtered_search_returns_k_results(tmp_path: Path) -> None:
    rows = clustered(6000, DIM)
    search = ready(searcher(library(tmp_path / "lib.db", rows), DIM))
    index = search.index()
    rng = np.random.default_rng(3)
    for size in (3, 40, 300, 3000):
        allowed = np.sort(rng.choice(np.arange(1, 6001), size, replace=False)).astype(np.int64)
        ids, scores = index.search_ids(rows[0], 10, allowed)
        assert len(ids) == min(10, size) and set(ids.tolist()) <= set(allowed.tolist())
        assert np.all(np.diff(scores) <= 1e-6)


def test_a_new_searcher_catches_up_from_the_log(tmp_path: Path) -> None:
    rows = clustered(5000, DIM)
    store = library(tmp_path / "lib.db", rows)
    ready(searcher(store, DIM)).ann.close()
    stem = stem_of(tmp_path)
    extra = clustered(50, DIM, seed=4)
    new_ids = put(store, extra, 10_001)
    with store.transaction() as conn:  # a file gone: its item leaves search
        conn.execute("UPDATE files SET status='missing' WHERE id=7")
    store.put_embeddings([8], ENCODER, extra[:1])  # an item re-embedded
    search = searcher(store, DIM)
    index = search.index()
    assert isinstance(index, AnnIndex)
    search.ann.wait()  # the count check in the background agrees
    assert search.index() is index and stem_of(tmp_path) == stem  # opened, not rebuilt
    assert len(index) == 5049
    assert int(index.search_ids(extra[3], 1)[0][0]) == int(new_ids[3])
    assert 7 not in index.search_ids(rows[6], 5)[0].tolist()
    assert set(index.search_ids(extra[0], 2)[0].tolist()) == {8, int(new_ids[0])}


@pytest.mark.parametrize("damage", ["truncated", "other model", "header"])
def test_a_damaged_or_foreign_index_is_rebuilt(tmp_path: Path, damage: str) -> None:
    rows = clustered(4000, DIM)
    store = library(tmp_path / "lib.db", rows)
    ready(searcher(store, DIM)).ann.close()
    folder = tmp_path / "index"
    found = headers.read(folder / "ann.json")
    assert found is not None
    encoder = ENCODER
    if damage == "truncated":
        rows_file = folder / f"{found.stem}.f16.npy"
        rows_file.write_bytes(rows_file.read_bytes()[: 1000 * DIM])
    elif damage == "other model":
        encoder = "ann/other"
        store.ensure_encoder(encoder, space="ann", modality="image", dim=DIM)
        store.put_embeddings(list(range(1, 4001)), encoder, rows[::-1].copy())
    else:
        (folder / "ann.json").write_text("{not json")
    search = searcher(store, DIM, encoder)
    assert isinstance(search.index(), ExactIndex) and search.ann.busy
    search.ann.wait()
    index = search.index()
    assert isinstance(index, AnnIndex) and len(index) == 4000
    best = int(index.search_ids(rows[0], 1)[0][0])
    assert best == (4000 if damage == "other model" else 1)
    assert stem_of(tmp_path) != found.stem


def test_an_index_of_another_library_is_found_out_and_rebuilt(tmp_path: Path) -> None:
    rows = clustered(3000, DIM)
    store = library(tmp_path / "lib.db", rows)
    ready(searcher(store, DIM)).ann.close()
    store.close()
    (tmp_path / "lib.db").unlink()
    other = library(tmp_path / "lib.db", clustered(3500, DIM, seed=5))  # log: 3500 entries
    search = searcher(other, DIM)  # same ids, same seq range: only the log's id differs
    assert isinstance(search.index(), ExactIndex) and search.ann.busy
    search.ann.wait()
    index = search.index()
    assert isinstance(index, AnnIndex) and len(index) == 3500


def test_a_filtered_search_through_the_searcher_gets_k_results(tmp_path: Path) -> None:
    rows = clustered(4000, DIM)
    store = library(tmp_path / "lib.db", rows)
    with store.transaction() as conn:  # 1 in 100 files is a video: 40 allowed items
        conn.execute("UPDATE files SET kind='video' WHERE id % 100 = 0")
    search = ready(searcher(store, DIM))
    assert isinstance(search.index(), AnnIndex)
    results = search.search_vector(rows[1], Filters(kinds=["video"], limit=10))
    assert len(results) == 10 and all(r.item_id % 100 == 0 for r in results)
    exact = ExactIndex(np.arange(100, 4001, 100), rows[99::100])
    assert [r.item_id for r in results] == exact.search(rows[1], 10)[0].tolist()


def test_a_second_library_instance_opens_the_index_the_first_built(tmp_path: Path) -> None:
    rows = clustered(3000, DIM)
    first = library(tmp_path / "lib.db", rows)
    second = searcher(Store(tmp_path / "lib.db"), DIM)
    assert isinstance(second.index(), ExactIndex)  # before any index exists
    second.ann.wait()  # its own build (the first instance's would be skipped by the lock)
    put(first, clustered(5, DIM, seed=2), 9000)
    other = searcher(first, DIM)
    index = other.index()
    assert isinstance(index, AnnIndex) and not other.ann.error
    assert len(index) == 3005 and stem_of(tmp_path) == "ann.g1"
