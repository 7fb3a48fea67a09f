"""The local usearch backend passes the backend contract: changes held in memory, folded
into saved generations, and reopened from its memory-mapped files."""

from __future__ import annotations

from itertools import count
from pathlib import Path

import numpy as np
import pytest
from backend_contract import check_backend, clustered

from mmdesk.core.ann import local
from mmdesk.core.ann.backend import VectorBackend
from mmdesk.core.ann.local import UsearchBackend


class SavingBackend(UsearchBackend):
    """Saves a generation after every change, so searches go through the graph files."""

    def __init__(self, dim: int, folder: Path) -> None:
        super().__init__(dim)
        self.folder, self.numbers = folder, count(1)

    def stem(self) -> Path:
        return self.folder / f"space.g{next(self.numbers)}"

    def upsert(self, item_ids: np.ndarray, vectors: np.ndarray) -> None:
        super().upsert(item_ids, vectors)
        self.save(self.stem())

    def remove(self, item_ids: np.ndarray) -> None:
        super().remove(item_ids)
        self.save(self.stem())


@pytest.fixture()
def graph_always(monkeypatch: pytest.MonkeyPatch) -> None:
    """Search the graph even for the contract's small corpora."""
    monkeypatch.setattr(local, "EXACT_MIN", 0)
    monkeypatch.setattr(local, "EXACT_SHARE", 0.0)


def test_in_memory_changes_pass_the_contract() -> None:
    check_backend(UsearchBackend)


def test_saved_generations_pass_the_contract(tmp_path: Path, graph_always: None) -> None:
    folders = (tmp_path / str(n) for n in count())

    def make(dim: int) -> UsearchBackend:
        folder = next(folders)
        folder.mkdir()
        return SavingBackend(dim, folder)

    def reopen(backend: VectorBackend) -> VectorBackend:
        assert isinstance(backend, SavingBackend)
        stem = backend.stem()
        backend.save(stem)
        backend.close()
        return UsearchBackend.load(stem, backend.dim)

    check_backend(make, reopen)


def test_changes_after_a_snapshot_survive_the_switch(tmp_path: Path, graph_always: None) -> None:
    rows = clustered(300)
    backend = UsearchBackend(32)
    backend.upsert(np.arange(300), rows)
    base, delta = backend.snapshot()
    backend.remove(np.array([5]))  # while the generation is being written
    backend.upsert(np.array([6, 1000]), rows[[100, 101]])
    backend.adopt(local.write_generation(tmp_path / "s.g1", 32, base, delta), delta)
    assert backend.count() == 300
    assert 5 not in backend.search(rows[5], 5)[0].tolist()
    assert backend.search(rows[100], 2)[0].tolist() in ([6, 100], [100, 6])
    assert backend.pending() == 4  # dead: 5 and the old 6; new rows: 6 and 1000
