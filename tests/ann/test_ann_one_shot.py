"""A one-shot read (a CLI query) maps the saved index and searches it without the background
work a long-lived library starts: no count of the database against the index (its process
would wait for it at the end) and no read of the kind/date facets (seconds at a million)."""

from __future__ import annotations

from pathlib import Path

import pytest
from ann_corpus import clustered, library, ready, searcher

from mmdesk.core.search import vector
from mmdesk.core.vector_index import AnnIndex
from mmdesk.store import Store

DIM = 32


@pytest.fixture(autouse=True)
def small_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vector, "ANN_MIN", 2000)


@pytest.mark.parametrize("one_shot", [True, False])
def test_a_one_shot_open_starts_no_background_work(tmp_path: Path, one_shot: bool) -> None:
    rows = clustered(3000, DIM)
    path = tmp_path / "lib.db"
    store = library(path, rows)
    ready(searcher(store, DIM)).ann.close()
    store.close()
    with Store(path, one_shot=one_shot) as again:
        search = searcher(again, DIM)
        index = search.index()
        assert isinstance(index, AnnIndex) and len(index) == 3000
        ids, _ = index.search_ids(rows[5], 3)
        assert ids[0] == 6
        assert (search.ann._worker is None) == one_shot  # the count against the database
        assert (search.facets._worker is None) == one_shot  # the facets' read
        search.ann.close()
        search.facets.wait()
