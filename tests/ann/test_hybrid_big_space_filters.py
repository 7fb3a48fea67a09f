"""The app's search (hybrid) on a big space: filters from the facets, candidates checked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from ann_corpus import videos_of_2020

from mmdesk.core.search import Filters, HybridSearcher, Weights, vector
from mmdesk.core.vector_index import ExactIndex
from mmdesk.store.filters import ItemFilter

DIM = 32


def test_hybrid_filters_of_a_big_space(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vector, "ANN_MIN", 2000)
    rows, store, visual = videos_of_2020(tmp_path / "lib.db", DIM)
    monkeypatch.setattr(visual, "text_vector", lambda text: rows[5])  # no text model here
    hybrid = HybridSearcher(visual, None, Weights())
    asked: list[ItemFilter] = []  # what the store was asked to list in full
    listed = store.filtered_item_ids
    monkeypatch.setattr(store, "filtered_item_ids", lambda f: asked.append(f) or listed(f))
    where = Filters(kinds=["video"], after="2020", limit=10)
    allowed = np.arange(60, 3001, 60)
    exact = ExactIndex(allowed, rows[allowed - 1]).search(rows[5], 10)[0].tolist()
    assert [r.item_id for r in hybrid.search("anything", where)] == exact
    store.add_label(exact[:3], "Trips/Rome")
    store.add_label(exact[3:5], "Trips", source="classifier:1", score=0.9)
    tagged = Filters(kinds=["video"], after="2020", tags=["Trips"], limit=10)
    assert [r.item_id for r in hybrid.search("anything", tagged)] == exact[:3]
    predicted = Filters(kinds=["video"], tags=["Trips"], predicted=True, limit=10)
    assert {r.item_id for r in hybrid.search("anything", predicted)} == set(exact[:5])
    store.mark_missing([store.items_info([exact[0]])[exact[0]]["path"]])
    assert [r.item_id for r in hybrid.search("anything", tagged)] == exact[1:3]
    assert not [f for f in asked if f.kinds or f.after]  # kinds and dates: the facets' masks
    assert store.filtered_among(where.item_filter(), exact + [1, 2]).tolist() == sorted(exact[1:])
