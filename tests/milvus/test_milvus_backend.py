"""The Milvus backend against a milvus-lite file: the same contract as the local ANN index,
recall against exact search, filters of every size, reopening, and a library switched to it
by its setting."""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from mmdesk_testing import make_photo

pytest.importorskip("pymilvus", reason="the server extra (pymilvus) is not installed")
pytest.importorskip("milvus_lite", reason="the server extra (milvus-lite) is not installed")

from ann.backend_contract import check_backend, clustered, exact_top  # noqa: E402

from mmdesk.config import Settings  # noqa: E402
from mmdesk.core.ann import milvus  # noqa: E402
from mmdesk.core.ann.milvus import (  # noqa: E402
    MilvusBackend,
    collection_name,
    make_backend,
    milvus_space,
    sync_from_store,
)
from mmdesk.core.library import Library  # noqa: E402
from mmdesk.core.library_settings import set_setting  # noqa: E402
from mmdesk.core.search import Filters  # noqa: E402
from mmdesk.errors import MmdeskError  # noqa: E402

NAMES = itertools.count()


@pytest.fixture(scope="module")
def lite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One milvus-lite file for the module (starting one costs a second or two)."""
    yield str(tmp_path_factory.mktemp("milvus") / "vectors.db")


def fresh(uri: str, dim: int) -> MilvusBackend:
    return MilvusBackend(uri, f"contract_{next(NAMES)}", dim)


def test_milvus_passes_the_backend_contract(lite: str) -> None:
    def reopen(backend: MilvusBackend) -> MilvusBackend:
        backend.close()
        return MilvusBackend(backend.uri, backend.collection, backend.dim)

    check_backend(lambda dim: fresh(lite, dim), reopen)


def test_recall_against_exact_search_on_clustered_vectors(lite: str) -> None:
    n, dim = 3000, 64
    ids = np.arange(5, 5 + 3 * n, 3, dtype=np.int64)
    matrix = clustered(n, dim, clusters=30, seed=1)
    backend = fresh(lite, dim)
    try:
        backend.upsert(ids, matrix)
        queries = clustered(30, dim, clusters=30, seed=2)
        hits = sum(
            len(set(backend.search(q, 10)[0].tolist()) & set(exact_top(ids, matrix, q, 10)))
            for q in queries
        )
        assert hits / (10 * len(queries)) >= 0.95
    finally:
        backend.close()


@pytest.mark.parametrize(
    ("share", "path"),
    [(0.002, "_exact"), (0.1, "_chunked"), (0.5, "_oversampled"), (0.9, "_oversampled")],
)
def test_filters_of_every_size_return_the_exact_allowed_top(
    lite: str, share: float, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Few ids (scored exactly), a middling set (``id in`` chunks, small chunks here so that
    several are merged) and dense sets (an oversampled search, filtered after)."""
    monkeypatch.setattr(milvus, "EXACT_MAX", 64)
    monkeypatch.setattr(milvus, "DENSE", 0.25)
    monkeypatch.setattr(milvus, "CHUNK", 150)
    taken: list[str] = []
    for name in ("_exact", "_chunked", "_oversampled"):
        original = getattr(MilvusBackend, name)

        def spy(self: MilvusBackend, *args: object, _o: Any = original, _n: str = name) -> Any:
            taken.append(_n)
            return _o(self, *args)

        monkeypatch.setattr(MilvusBackend, name, spy)
    n, dim = 2000, 32
    ids = np.arange(n, dtype=np.int64) * 7
    matrix = clustered(n, dim, seed=3)
    rng = np.random.default_rng(4)
    allowed = np.sort(rng.choice(ids, max(3, int(share * n)), replace=False))
    rows = np.isin(ids, allowed)
    backend = fresh(lite, dim)
    try:
        backend.upsert(ids, matrix)
        for q in clustered(5, dim, seed=5):
            found, scores = backend.search(q, 10, allowed)
            want = exact_top(ids[rows], matrix[rows], q, 10)
            assert len(found) == min(10, len(allowed))
            assert set(found.tolist()) <= set(allowed.tolist())
            assert len(set(found.tolist()) & set(want.tolist())) >= min(9, len(allowed))
            assert np.all(np.diff(scores) <= 1e-6)
        assert path in taken
    finally:
        backend.close()


def test_a_reopened_file_keeps_the_vectors(tmp_path: Path) -> None:
    uri = str(tmp_path / "kept.db")
    ids, matrix = np.array([3, 8, 13], np.int64), clustered(3, 16, seed=6)
    backend = MilvusBackend(uri, "kept", 16)
    backend.upsert(ids, matrix)
    backend.close()
    again = MilvusBackend(uri, "kept", 16)
    try:
        assert again.count() == 3
        assert sorted(again.ids().tolist()) == [3, 8, 13]
        assert int(again.search(matrix[1], 1)[0][0]) == 8
        with pytest.raises(MmdeskError, match="holds 16-d vectors"):
            MilvusBackend(uri, "kept", 32)
    finally:
        again.close()


def test_collection_names_are_valid_and_distinct() -> None:
    a, b = collection_name("toy-colours", "lib1"), collection_name("toy_colours", "lib1")
    assert a != b and a.startswith("mmdesk_lib1_toy_colours_")
    assert collection_name("toy-colours", "lib2") != a
    assert all(c.isalnum() or c == "_" for c in a + b)


def test_settings_choose_the_backend(settings: Settings) -> None:
    assert make_backend({"vector.backend": "local"}, "s", 8) is None
    with pytest.raises(MmdeskError, match="milvus_uri"):
        make_backend({"vector.backend": "milvus"}, "s", 8)
    with Library(settings) as lib:
        with pytest.raises(MmdeskError, match="choose local or milvus"):
            set_setting(lib.store, "vector.backend", "faiss")
        with pytest.raises(MmdeskError, match="ending in .db"):
            set_setting(lib.store, "vector.milvus_uri", "somewhere")
        assert set_setting(lib.store, "vector.milvus_uri", "http://h:19530") == "http://h:19530"


def test_an_unreachable_server_is_a_clear_error() -> None:
    with pytest.raises(MmdeskError, match="cannot reach Milvus at http://127.0.0.1:9"):
        MilvusBackend("http://127.0.0.1:9", "nowhere", 8)


def test_a_library_set_to_milvus_searches_through_it(
    settings: Settings, photos: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Index the toy photos, switch the setting, and the text query "red" finds the red
    photos through the Milvus collection (a milvus-lite file beside the library), filters
    included; a photo changed and re-indexed reaches the collection through the change log
    alone."""
    with Library(settings) as lib:
        lib.index([photos])
        assert milvus_space(lib.store, lib.space()) is None  # local by default
        set_setting(lib.store, "vector.backend", "milvus")
        server = lib.searcher().server  # the setting chose the server for this searcher
        assert server is not None
        backend = server.backend
        try:
            assert Path(backend.uri).parent == settings.db_path.parent
            results = lib.searcher().search_text("red", Filters(limit=3))
            assert {Path(r.path).parent.name for r in results} == {"red"}
            assert backend.count() == 9
            under = lib.searcher().search_text(
                "red", Filters(limit=9, under=[str(photos / "blue")])
            )
            assert len(under) == 3 and {Path(r.path).parent.name for r in under} == {"blue"}
            space = lib.space()
            key, dim = backend.sync_key, backend.dim
            assert sync_from_store(backend, lib.store, space.encoder_ids(), dim, key=key) == (0, 0)
            changed = photos / "red" / "red-0.png"
            make_photo(changed, "blue", seed=0)
            lib.index([photos])
            item = lib.item_for_path(str(changed))
            assert sync_from_store(backend, lib.store, space.encoder_ids(), dim, key=key) == (1, 0)
            found = [r.item_id for r in lib.searcher().search_text("blue", Filters(limit=4))]
            assert item in found
        finally:
            server.close()


def test_without_pymilvus_the_core_imports_and_says_what_to_install() -> None:
    code = (
        "import sys; sys.modules['pymilvus'] = None\n"
        "from mmdesk.core.ann.milvus import MilvusBackend, make_backend\n"
        "from mmdesk.errors import MmdeskError\n"
        "assert make_backend({'vector.backend': 'local'}, 's', 8) is None\n"
        "try:\n"
        "    MilvusBackend('x.db', 'c', 8)\n"
        "except MmdeskError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "pip install 'mmdesk[server]'" in done.stdout, done.stderr
