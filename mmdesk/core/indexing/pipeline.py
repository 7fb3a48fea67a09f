"""Decode ahead in threads, encode in batches, write each batch as one transaction.

Look-ahead is bounded by segments, not files: each file counts what its decoder estimates
(a photo 1; a video its frames), so a few long videos cannot fill memory. A batch holds up to
``batch_size`` segments and is written, errors included, in one transaction, so a killed run
loses at most the batch in flight and never counts a half-indexed file as done.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mmdesk.core.indexing.plan import Plan, Work
from mmdesk.core.indexing.prepare import IndexEncoder, Prepared, decode, hash_only
from mmdesk.core.indexing.processes import MIN_FILES, StandIn, stand_ins, start_pool
from mmdesk.core.indexing.report import IndexReport
from mmdesk.core.jobs import Changes
from mmdesk.core.media import Decoder, decoder_for
from mmdesk.core.tasks import TaskState, lower_thread_priority
from mmdesk.errors import CancelledError, MediaError
from mmdesk.store import Store

log = logging.getLogger(__name__)


@dataclass
class Pipeline:
    """One run's moving parts."""

    store: Store
    plan: Plan
    encoders: list[IndexEncoder]
    state: TaskState
    report: IndexReport
    batch_size: int = 32
    workers: int = 2
    moves_possible: bool = True
    explicit_files: set[str] = field(default_factory=set)
    decoders: dict[str, Decoder] = field(default_factory=dict)  # by file kind; else DECODERS
    thumbnails: Path | None = None  # the thumbnail cache photos' grid thumbnails go to
    processes: bool = False  # decode in background processes (many files; see .processes)
    done: int = 0
    _stand_ins: dict[str, StandIn] | None = None  # decoding in processes
    _threads: ThreadPoolExecutor | None = None  # the threads that took over broken processes
    peak_in_flight: int = 0  # most segments decoded or being decoded at once (for tests)

    def run(self) -> None:
        ahead = max(self.batch_size * 2, self.workers * 4)
        pending: deque[tuple[Future[Prepared], int, Work]] = deque()
        in_flight = 0
        batch: list[Prepared] = []
        queue: Iterator[Work] = iter(self.plan.todo)
        try:
            with self._pool() as pool:
                try:
                    while True:
                        while in_flight < ahead and (work := next(queue, None)) is not None:
                            cost = self._estimate(work)
                            pending.append((self._submit(pool, work), cost, work))
                            in_flight += cost
                            self.peak_in_flight = max(self.peak_in_flight, in_flight)
                        if not pending:
                            break
                        future, cost, work = pending.popleft()
                        in_flight -= cost
                        try:
                            prepared = future.result()
                        except BrokenProcessPool:  # a decode process died (killed, or crashed)
                            pool = self._to_threads(pool, [work] + [w for _, _, w in pending])
                            pending = deque((self._submit(pool, w), c, w) for _, c, w in pending)
                            prepared = self._submit(pool, work).result()
                        if prepared.hashed_only and not prepared.error:
                            if not self._moved(prepared):
                                again = self._submit_decode(pool, prepared.work)
                                pending.append((again, cost, prepared.work))
                                in_flight += cost
                                continue
                        else:
                            batch.append(prepared)
                        self.done += 1
                        if sum(max(1, len(p.segments)) for p in batch) >= self.batch_size:
                            self._flush(batch)
                            batch = []
                        self.state.checkpoint()
                except CancelledError:
                    for future, _, _ in pending:
                        future.cancel()
                    self._flush(batch)  # what was decoded is kept
                    raise
                self._flush(batch)
        finally:
            if self._threads is not None:  # they took over from broken processes
                self._threads.shutdown(wait=True)
                self._threads = None
        self.state.report(self.done, len(self.plan.todo), self.report.errors, message="done")

    def _pool(self) -> Executor:
        """Decode threads; in the app, for a run of many files whose encoders' preprocessing
        can travel, background processes instead (:mod:`.processes`)."""
        if self.processes and len(self.plan.todo) >= MIN_FILES:
            self._stand_ins = stand_ins(self.encoders)
            pool = start_pool(max(1, self.workers)) if self._stand_ins is not None else None
            if pool is not None:
                return pool
        self._stand_ins = None
        return self._decode_threads()

    def _decode_threads(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(
            max_workers=max(1, self.workers),
            thread_name_prefix="decode",
            initializer=_decode_thread_priority,
        )

    def _to_threads(self, pool: Executor, works: list[Work]) -> Executor:
        """The decode processes broke: the rest of the run decodes in threads."""
        log.warning("a decode process stopped; %d files are decoded in threads", len(works))
        pool.shutdown(wait=False, cancel_futures=True)
        self._stand_ins = None
        self._threads = self._decode_threads()
        return self._threads

    def _submit(self, pool: Executor, work: Work) -> Future[Prepared]:
        new = work.candidate.path not in self.plan.known
        if new and self.moves_possible:
            return pool.submit(hash_only, work)
        return self._submit_decode(pool, work)

    def _submit_decode(self, pool: Executor, work: Work) -> Future[Prepared]:
        decoder = self._decoder(work.candidate.kind)
        encoders: list[Any] = self._for(work)
        if self._stand_ins is not None:  # in a decode process: the encoders' stand-ins
            encoders = [self._stand_ins[e.spec.id] for e in encoders]
        return pool.submit(decode, work, encoders, decoder, self.thumbnails)

    def _decoder(self, kind: str) -> Decoder | None:
        return self.decoders.get(kind)

    def _estimate(self, work: Work) -> int:
        try:
            decoder = self._decoder(work.candidate.kind) or decoder_for(work.candidate.kind)
            estimate = decoder.estimate_segments(work.candidate.path, work.candidate.size)
        except (MediaError, OSError):
            return 1
        return max(1, int(estimate))

    def _for(self, work: Work) -> list[IndexEncoder]:
        return [e for e in self.encoders if e.spec.id in work.encoders]

    def _moved(self, prepared: Prepared) -> bool:
        """A new path whose content the store knows under a vanished path: move the row (its
        items, vectors and labels stay), decode nothing."""
        c = prepared.candidate
        old = self.store.moved_candidate(prepared.hash or "")
        wanted = [e.spec.id for e in self.encoders]
        if old is None or not self.store.has_embeddings(old.id, wanted):
            return False
        with self.store.transaction():
            self.store.move_file(old.id, c.path, size=c.size, mtime_ns=c.mtime_ns)
        log.info("moved: %s -> %s", old.path, c.path)
        self.report.moved += 1
        self.state.publish(Changes(files=True, items=True))
        return True

    def _flush(self, batch: list[Prepared]) -> None:
        """Encode a batch and write it, errors included, in one transaction."""
        if not batch:
            return
        vectors = {e.spec.id: _encode(e, batch) for e in self.encoders}
        written: dict[str, tuple[list[int], list[np.ndarray]]] = {}
        with self.store.transaction():
            for index, prepared in enumerate(batch):
                self._write(prepared, index, vectors, written)
            for encoder_id, (ids, rows) in written.items():
                self.store.put_embeddings(ids, encoder_id, np.stack(rows))
        self.report.count(batch)
        self.state.report(self.done, len(self.plan.todo), self.report.errors)
        self.state.publish(Changes(files=True, items=bool(written)))

    def _write(
        self,
        prepared: Prepared,
        index: int,
        vectors: dict[str, dict[tuple[int, int], np.ndarray]],
        written: dict[str, tuple[list[int], list[np.ndarray]]],
    ) -> None:
        c = prepared.candidate
        if self.store.folder_for(c.path) is None and c.path not in self.explicit_files:
            log.info("not writing %s: its library folder was removed", c.path)
            prepared.error, prepared.error_kind = "folder removed", "skipped"
            return
        old = self.plan.known.get(c.path)
        file_id = self.store.upsert_file(
            c.path,
            size=c.size,
            mtime_ns=c.mtime_ns,
            kind=c.kind,
            status="error" if prepared.error else "indexed",
            content_hash=prepared.hash,
            error=prepared.error,
            error_kind=prepared.error_kind,
            meta=_file_meta(c.kind, prepared.meta),
        )
        if old is not None and old.hash and prepared.hash and old.hash != prepared.hash:
            self.store.forget_file_passes(file_id)  # OCR, captions, transcript: read again
        kept: list[int] = []
        for seg_index, segment in enumerate(prepared.segments):
            item_id = self.store.ensure_item(file_id, segment.kind, segment.start, segment.end)
            kept.append(item_id)
            for encoder_id, by_key in vectors.items():
                vector = by_key.get((index, seg_index))
                if vector is not None:
                    ids, rows = written.setdefault(encoder_id, ([], []))
                    ids.append(item_id)
                    rows.append(vector)
        if old is not None and not prepared.error:
            self.store.prune_items(file_id, kept)  # frames of an older cut of the video


def _encode(encoder: IndexEncoder, batch: list[Prepared]) -> dict[tuple[int, int], np.ndarray]:
    """The vector of every segment of the batch that has an input for ``encoder``."""
    keys, tensors = [], []
    for index, prepared in enumerate(batch):
        for seg_index, segment in enumerate(prepared.segments):
            if encoder.spec.id in segment.tensors:
                keys.append((index, seg_index))
                tensors.append(segment.tensors[encoder.spec.id])
    if not tensors:
        return {}
    if encoder.spec.modality == "audio":
        return dict(zip(keys, _pooled(encoder, tensors), strict=True))
    matrix = encoder.encode(np.stack(tensors))
    return dict(zip(keys, matrix, strict=True))


def _pooled(encoder: IndexEncoder, sounds: list[np.ndarray]) -> list[np.ndarray]:
    """One vector per sound: its windows' inputs (``(n_windows, ...)`` each) are encoded in
    one batch, and each sound's window vectors averaged and scaled to unit length."""
    counts = [len(s) for s in sounds]
    vectors = np.asarray(encoder.encode(np.concatenate(sounds)), np.float32)
    out, at = [], 0
    for count in counts:
        mean = vectors[at : at + count].mean(axis=0)
        at += count
        norm = float(np.linalg.norm(mean))
        out.append(mean / norm if norm > 0 else mean)
    return out


# Facts that have their own column in the files table; a video's or sound's other facts
# (duration, codecs, frame rate) are kept in its JSON meta.
_COLUMNS = ("width", "height", "taken_at", "camera", "extra")


def _file_meta(kind: str, meta: dict[str, object]) -> dict[str, object]:
    if kind == "image":
        return meta
    extra = {k: v for k, v in meta.items() if k not in _COLUMNS and v is not None}
    return {**{k: meta[k] for k in _COLUMNS if k in meta}, "extra": extra}


def _decode_thread_priority() -> None:
    """Decode threads yield to the encoder: an ONNX Runtime run whose worker threads are
    descheduled by decoding loses far more than the decoding gains (measured: bench/)."""
    lower_thread_priority(10, idle=True)
