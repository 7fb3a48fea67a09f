"""A build from scratch is resumable and reports progress: a build stopped half-way resumes
from its last checkpoint and ends with every vector of the space."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from ann_corpus import ENCODER, clustered, library

from mmdesk.core.ann import build
from mmdesk.core.ann.build import Builder
from mmdesk.core.ann.local import UsearchBackend

DIM = 24


def test_a_stopped_build_resumes_from_its_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build, "CHUNK", 500)
    monkeypatch.setattr(build, "CHECKPOINT", 1000)
    rows = clustered(5000, DIM)
    library(tmp_path / "lib.db", rows).close()
    builder = Builder(tmp_path / "lib.db", tmp_path / "index", "ann", [ENCODER], DIM)
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))

    assert builder.run("ann.g1", progress, cancelled=lambda: len(seen) >= 5) is None
    assert seen[-1] == (2500, 5000) and builder.note.exists()
    resumed: list[int] = []
    found = builder.run("ann.g1", lambda done, total: resumed.append(done))
    assert found is not None and found.count == 5000
    assert resumed[0] == 3000  # continued after the 2500 kept, not from zero
    assert not builder.note.exists()
    backend = UsearchBackend.load(tmp_path / "index" / "ann.g1", DIM)
    assert np.array_equal(np.sort(backend.ids()), np.arange(1, 5001))
    assert int(backend.search(rows[4321], 1)[0][0]) == 4322
