"""Indexing: scan, diff against the store, decode ahead in threads, encode in batches, write.

Incremental (unchanged size+mtime is skipped), rename-aware (content hash), resumable (each
batch is one transaction, so a killed run loses at most the batch in flight and never counts a
half-indexed file as done), cancellable and pausable through a TaskState.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mmdesk.core.decode import Decoded, decode_file
from mmdesk.core.scan import Candidate, scan
from mmdesk.core.tasks import TaskState, lower_thread_priority
from mmdesk.errors import CancelledError
from mmdesk.store import FileRow, Store

log = logging.getLogger(__name__)
INDEXED_KINDS = {"image"}


@dataclass(frozen=True)
class Work:
    """A file to index and the encoders it still lacks (all of them when it changed)."""

    candidate: Candidate
    encoders: list[str]


@dataclass
class IndexReport:
    """What one run did."""

    found: int = 0
    skipped: int = 0
    indexed: int = 0
    moved: int = 0
    errors: int = 0
    missing: int = 0
    cancelled: bool = False
    seconds: float = 0.0
    problems: list[tuple[str, str]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.indexed / self.seconds if self.seconds else 0.0


def index_paths(
    store: Store,
    roots: list[Path],
    image_encoders: list[Any],
    *,
    state: TaskState | None = None,
    batch_size: int = 32,
    workers: int = 2,
) -> IndexReport:
    """Index media under ``roots`` with every encoder in ``image_encoders``."""
    state = state or TaskState()
    started = time.monotonic()
    report = IndexReport()
    roots = [Path(r).expanduser().absolute() for r in roots]
    folder_ids = [store.add_folder(r) for r in roots if r.is_dir()]
    for fid in folder_ids:
        store.set_folder_state(fid, "scanning")
    for encoder in image_encoders:
        _register(store, encoder)
    todo, known, seen = _plan(store, roots, image_encoders, report)
    state.restart_clock()
    state.report(0, len(todo), message="indexing")
    try:
        _run(store, todo, image_encoders, state, report, batch_size, workers)
    except CancelledError:
        report.cancelled = True
    if not report.cancelled:
        report.missing = store.mark_missing(
            p for p, row in known.items() if p not in seen and row.status != "missing"
        )
    for fid in folder_ids:
        store.set_folder_state(fid, "cancelled" if report.cancelled else "indexed")
    report.seconds = time.monotonic() - started
    return report


def _register(store: Store, encoder: Any) -> None:
    spec = encoder.spec
    with store.transaction():
        store.ensure_encoder(
            spec.id,
            space=spec.space,
            modality=spec.modality,
            dim=spec.dim,
            plugin=spec.plugin_id,
            version=spec.plugin_version,
        )


def _plan(
    store: Store, roots: list[Path], encoders: list[Any], report: IndexReport
) -> tuple[list[Work], dict[str, FileRow], set[str]]:
    """Files that need work, what the store knew under the roots, and every path seen."""
    known: dict[str, FileRow] = {}
    for root in roots:
        known.update(store.files_snapshot(str(root)))
    complete = {e.spec.id: _complete_files(store, e.spec.id) for e in encoders}
    todo, seen = [], set()
    for candidate in scan(
        roots, kinds=INDEXED_KINDS, on_problem=lambda p, why: report.problems.append((p, why))
    ):
        report.found += 1
        seen.add(candidate.path)
        missing = _lacking(known.get(candidate.path), candidate, complete)
        if missing:
            todo.append(Work(candidate, missing))
        else:
            report.skipped += 1
    return todo, known, seen


def _lacking(row: FileRow | None, candidate: Candidate, complete: dict[str, set[int]]) -> list[str]:
    """Encoders the file still needs: none for a known-bad unchanged file, all for a new or
    changed one, else those that have no vectors for it yet."""
    if row is None or (row.size, row.mtime_ns) != (candidate.size, candidate.mtime_ns):
        return list(complete)
    if row.status == "error":
        return []
    return [e for e, ids in complete.items() if row.status != "indexed" or row.id not in ids]


def _complete_files(store: Store, encoder_id: str) -> set[int]:
    """Ids of files whose items all have vectors from the encoder."""
    return {
        r[0]
        for r in store.conn.execute(
            "SELECT i.file_id FROM items i LEFT JOIN embeddings e ON e.item_id=i.id AND "
            "e.encoder=? GROUP BY i.file_id HAVING COUNT(e.item_id)=COUNT(i.id)",
            (encoder_id,),
        )
    }


def _run(
    store: Store,
    todo: list[Work],
    encoders: list[Any],
    state: TaskState,
    report: IndexReport,
    batch_size: int,
    workers: int,
) -> None:
    """Decode ahead in a bounded window of futures, flush full batches as transactions."""
    ahead = max(batch_size * 2, workers * 4)
    pending: deque[Future[Decoded]] = deque()
    batch: list[Decoded] = []
    done = 0
    queue = iter(todo)
    with ThreadPoolExecutor(
        max_workers=max(1, workers),
        thread_name_prefix="decode",
        initializer=_decode_thread_priority,
    ) as pool:
        try:
            while True:
                while len(pending) < ahead and (nxt := next(queue, None)) is not None:
                    wanted = [e for e in encoders if e.spec.id in nxt.encoders]
                    pending.append(pool.submit(decode_file, nxt.candidate, wanted))
                if not pending:
                    break
                decoded = pending.popleft().result()
                if not _handle_move(store, decoded, encoders, report):
                    batch.append(decoded)
                done += 1
                if len(batch) >= batch_size:
                    _flush(store, batch, encoders, report)
                    batch = []
                    state.report(done, len(todo), report.errors)
                state.checkpoint()
        except CancelledError:
            for future in pending:
                future.cancel()
            _flush(store, batch, encoders, report)
            raise
        _flush(store, batch, encoders, report)
        state.report(done, len(todo), report.errors, message="done")


def _decode_thread_priority() -> None:
    """Decode threads yield to the encoder: an ONNX Runtime run whose worker threads are
    descheduled by decoding loses far more than the decoding gains (measured: bench/)."""
    lower_thread_priority(10, idle=True)


def _handle_move(store: Store, decoded: Decoded, encoders: list[Any], report: IndexReport) -> bool:
    """A new path whose content we know under a vanished path: move the row, keep its data."""
    if decoded.error or not decoded.hash or store.file_by_path(decoded.candidate.path):
        return False
    old = store.moved_candidate(decoded.hash)
    if old is None or not store.has_embeddings(old.id, [e.spec.id for e in encoders]):
        return False
    c = decoded.candidate
    with store.transaction():
        store.move_file(old.id, c.path, size=c.size, mtime_ns=c.mtime_ns)
    log.info("moved: %s -> %s", old.path, c.path)
    report.moved += 1
    return True


def _flush(store: Store, batch: list[Decoded], encoders: list[Any], report: IndexReport) -> None:
    """Encode a batch and write it, errors included, in one transaction."""
    if not batch:
        return
    vectors = {e.spec.id: _encode(e, batch) for e in encoders}
    with store.transaction():
        for index, decoded in enumerate(batch):
            _write_one(store, decoded, index, vectors)
    for decoded in batch:
        if decoded.error:
            report.errors += 1
            log.info("skipped %s: %s", decoded.candidate.path, decoded.error)
        else:
            report.indexed += 1


def _encode(encoder: Any, batch: list[Decoded]) -> dict[tuple[int, int], np.ndarray]:
    keys, tensors = [], []
    for index, decoded in enumerate(batch):
        for seg_index, segment in enumerate(decoded.segments):
            if encoder.spec.id in segment.tensors:
                keys.append((index, seg_index))
                tensors.append(segment.tensors[encoder.spec.id])
    if not tensors:
        return {}
    matrix = encoder.encode(np.stack(tensors))
    return dict(zip(keys, matrix))


def _write_one(
    store: Store,
    decoded: Decoded,
    index: int,
    vectors: dict[str, dict[tuple[int, int], np.ndarray]],
) -> None:
    c = decoded.candidate
    if decoded.error:
        store.upsert_file(
            c.path,
            size=c.size,
            mtime_ns=c.mtime_ns,
            kind=c.kind,
            status="error",
            content_hash=decoded.hash,
            error=decoded.error,
        )
        return
    file_id = store.upsert_file(
        c.path,
        size=c.size,
        mtime_ns=c.mtime_ns,
        kind=c.kind,
        status="indexed",
        content_hash=decoded.hash,
        meta=decoded.meta,
    )
    for seg_index, segment in enumerate(decoded.segments):
        item_id = store.ensure_item(file_id, segment.kind, segment.start, segment.end)
        for encoder_id, by_key in vectors.items():
            vector = by_key.get((index, seg_index))
            if vector is not None:
                store.put_embeddings([item_id], encoder_id, vector[None, :])
