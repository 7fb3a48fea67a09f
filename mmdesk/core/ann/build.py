"""Building a space's index from the database: resumable, with progress, off the search path.

The build reads the space's present vectors in item-id order, a chunk at a time, appending
them to raw build files and to an in-memory graph; every ``CHECKPOINT`` rows it saves the graph
and then a progress note, so a killed build resumes from its last checkpoint instead of from
zero. It runs on its own read-only connection (a Store belongs to one thread), so searches and
the indexer never wait for it. The finished generation reflects the change-log seq taken when
the build started; whatever changed since is caught up from the log by the caller.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from mmdesk.core.ann import header as headers
from mmdesk.core.ann.local import CONNECTIVITY, EXPANSION_ADD, EXPANSION_SEARCH, files
from mmdesk.store import Store
from mmdesk.store.vectors import normalise

CHUNK = 20_000
CHECKPOINT = 200_000
Progress = Callable[[int, int], None]  # (rows done, rows expected)


@dataclass
class BuildState:
    """The progress note of an unfinished build (``<space>.build.json``)."""

    encoders: list[str]
    dim: int
    seq: int
    log_id: str = ""
    rows: int = 0
    last_item: int = -1


def new_graph(dim: int) -> object:
    """An empty usearch graph with mmdesk's parameters (cosine, int8 vectors)."""
    from usearch.index import Index

    return Index(
        ndim=dim,
        metric="cos",
        dtype="i8",
        connectivity=CONNECTIVITY,
        expansion_add=EXPANSION_ADD,
        expansion_search=EXPANSION_SEARCH,
    )


class Builder:
    """Builds generation ``stem`` of one space in ``folder`` from the library at ``db_path``."""

    def __init__(
        self, db_path: Path, folder: Path, space: str, encoders: list[str], dim: int
    ) -> None:
        self.db_path, self.folder, self.space = db_path, folder, space
        self.encoders, self.dim = sorted(encoders), dim
        self.work = folder / f"{space}.build"
        self.note = folder / f"{space}.build.json"
        self.log_id = ""

    def run(
        self,
        stem: str,
        progress: Progress | None = None,
        cancelled: Callable[[], bool] = lambda: False,
        threads: int = 0,
    ) -> headers.Header | None:
        """Build (or resume) and write the generation and its header; None when cancelled."""
        self.folder.mkdir(parents=True, exist_ok=True)
        store = Store(self.db_path, read_only=True)
        try:
            self.log_id = store.embedding_log_id()
            state, graph = self._resume(store)
            total = store.count_embedded(self.encoders)
            keys_f, rows_f = self._raw_files(state.rows)
            with keys_f, rows_f:
                while not cancelled():
                    ids, matrix = store.embeddings_after(
                        self.encoders, self.dim, state.last_item, CHUNK
                    )
                    if not len(ids):
                        break
                    self._append(graph, ids, matrix, keys_f, rows_f, state, threads)
                    if progress:
                        progress(state.rows, max(total, state.rows))
                    if state.rows % CHECKPOINT < CHUNK:
                        self._checkpoint(graph, state, keys_f, rows_f)
                if cancelled():
                    self._checkpoint(graph, state, keys_f, rows_f)
                    return None
            return self._finish(graph, state, stem)
        finally:
            store.close()

    def _resume(self, store: Store) -> tuple[BuildState, object]:
        from usearch.index import Index

        try:
            state = BuildState(**json.loads(self.note.read_text(encoding="utf-8")))
            mine = (self.encoders, self.dim, self.log_id)
            if (state.encoders, state.dim, state.log_id) == mine:
                graph = Index.restore(str(self.work) + ".usearch") if state.rows else None
                if graph is None or len(graph) == state.rows:
                    return state, graph or new_graph(self.dim)
        except (OSError, ValueError, TypeError, RuntimeError):
            pass
        seq = store.embedding_log_seq()
        return BuildState(self.encoders, self.dim, seq, self.log_id), new_graph(self.dim)

    def _raw_files(self, rows: int) -> tuple[BinaryIO, BinaryIO]:
        keys_path, rows_path = self._raw_paths()
        for path, width in ((keys_path, 8), (rows_path, 2 * self.dim)):
            with open(path, "ab") as f:
                f.truncate(rows * width)  # drop what was appended after the checkpoint
        return open(keys_path, "ab"), open(rows_path, "ab")

    def _raw_paths(self) -> tuple[Path, Path]:
        return Path(str(self.work) + ".keys"), Path(str(self.work) + ".f16")

    def _append(
        self,
        graph: object,
        ids: np.ndarray,
        matrix: np.ndarray,
        keys_f: BinaryIO,
        rows_f: BinaryIO,
        state: BuildState,
        threads: int,
    ) -> None:
        ids, first = np.unique(ids, return_index=True)  # one vector per item
        matrix = normalise(matrix[first])
        graph.add(ids, matrix, threads=threads)  # type: ignore[attr-defined]
        keys_f.write(ids.astype("<i8").tobytes())
        rows_f.write(matrix.astype("<f2").tobytes())
        state.rows += len(ids)
        state.last_item = int(ids[-1])

    def _checkpoint(
        self, graph: object, state: BuildState, keys_f: BinaryIO, rows_f: BinaryIO
    ) -> None:
        for f in (keys_f, rows_f):
            f.flush()
            os.fsync(f.fileno())
        tmp = Path(str(self.work) + ".usearch.tmp")
        graph.save(str(tmp))  # type: ignore[attr-defined]
        os.replace(tmp, str(self.work) + ".usearch")
        note = self.note.with_name(self.note.name + ".tmp")
        note.write_text(json.dumps(asdict(state)), encoding="utf-8")
        os.replace(note, self.note)

    def _finish(self, graph: object, state: BuildState, stem: str) -> headers.Header:
        graph_path, keys_path, rows_path = files(self.folder / stem)
        raw_keys, raw_rows = self._raw_paths()
        keys = np.fromfile(raw_keys, "<i8", state.rows)
        np.save(keys_path, keys)
        rows = np.memmap(raw_rows, "<f2", "r", shape=(state.rows, self.dim))
        out = np.lib.format.open_memmap(rows_path, "w+", np.float16, (state.rows, self.dim))
        for start in range(0, state.rows, 100_000):
            out[start : start + 100_000] = rows[start : start + 100_000]
        out.flush()
        del out, rows
        graph.save(str(graph_path))  # type: ignore[attr-defined]
        found = headers.Header(
            space=self.space,
            encoders=self.encoders,
            dim=self.dim,
            seq=state.seq,
            count=state.rows,
            stem=stem,
            log_id=self.log_id,
            files={p.name: headers.digest(p) for p in (graph_path, keys_path, rows_path)},
        )
        headers.write(self.folder / f"{self.space}.json", found)
        self.discard()
        return found

    def discard(self) -> None:
        """Remove the build's working files."""
        for path in (*self._raw_paths(), Path(str(self.work) + ".usearch"), self.note):
            path.unlink(missing_ok=True)
