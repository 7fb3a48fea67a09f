"""Add/remove keeps the index file in step with the database across a kill -9: a writer
process that changes vectors and saves index generations in the background is killed
mid-way; a new searcher then holds exactly the database's items."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from ann_corpus import clustered, library, ready, searcher

from mmdesk.core.ann import header as headers
from mmdesk.core.search import vector
from mmdesk.core.vector_index import AnnIndex

DIM = 32
HERE = Path(__file__).parent

WRITER = textwrap.dedent(
    """
    import sys
    import numpy as np
    from ann_corpus import ENCODER, clustered, put, searcher
    from mmdesk.core.ann import space
    from mmdesk.core.search import vector
    from mmdesk.store import Store

    vector.ANN_MIN, space.SAVE_EVERY = 1000, 150
    store = Store(sys.argv[1])
    dim = int(sys.argv[2])
    search = searcher(store, dim)
    next_id = 100_000
    for round in range(10_000):
        put(store, clustered(60, dim, seed=round + 10), next_id)
        with store.transaction() as conn:  # items deleted: their vectors go by cascade
            conn.execute("DELETE FROM items WHERE id IN (SELECT item_id FROM embeddings "
                         "ORDER BY item_id LIMIT 20)")
        store.put_embeddings([next_id], ENCODER, clustered(1, dim, seed=round)[0:1])
        next_id += 60
        search.index()  # catch up; a background save starts every SAVE_EVERY changes
        print(round, flush=True)
    """
)


def test_a_killed_writer_leaves_the_index_stale_not_wrong(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vector, "ANN_MIN", 1000)
    store = library(tmp_path / "lib.db", clustered(3000, DIM))
    ready(searcher(store, DIM)).ann.close()
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), str(HERE.parents[1])])}
    proc = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path / "lib.db"), str(DIM)],
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    rounds = 0
    while rounds < 25 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        rounds += 1
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert rounds >= 25, "the writer did not get going"
    header = headers.read(tmp_path / "index" / "ann.json")
    assert header is not None and header.stem != "ann.g1", "the writer saved generations"
    search = searcher(store, DIM)
    index = search.index()
    if not isinstance(index, AnnIndex):  # a rebuild is allowed, a wrong index is not
        search.ann.wait()
        index = search.index()
    assert isinstance(index, AnnIndex)
    truth, matrix = store.load_embeddings(["ann/image"], DIM)
    assert np.array_equal(np.sort(index.ids), np.sort(truth))
    for row in (0, len(truth) // 2, len(truth) - 1):
        assert int(index.search_ids(matrix[row], 1)[0][0]) == int(truth[row])
