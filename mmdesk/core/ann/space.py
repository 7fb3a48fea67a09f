"""One space's persistent ANN index, kept in step with the database through its change log.

Life cycle: ``open`` reads the header in ``<data dir>/index/`` and maps the files (well under a
second at a million vectors); a header for other encoders or dimensions, or files whose size or
sampled digest differ, or a seq ahead of the database's log (a restored or replaced library)
make it unusable, and a background build starts. ``catch_up`` applies the log entries since the
seq the index reflects (reading the truth of each changed item back from the database: present
vector -> upsert, otherwise remove), in memory, before a search. After ``SAVE_EVERY`` pending
changes a background save writes the next generation, then its header. The database is the
truth: a kill at any point leaves an index that is stale, which the log repairs, never wrong.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from mmdesk.core.ann import header as headers
from mmdesk.core.ann.build import Builder, Progress
from mmdesk.core.ann.local import Base, UsearchBackend, files, write_generation
from mmdesk.store import Store
from mmdesk.store.lock import _try_lock as try_lock  # flock / msvcrt, as the library lock

log = logging.getLogger(__name__)

SAVE_EVERY = 5_000  # pending changes that trigger a background save


class AnnSpace:
    """The persistent index of one space, its background build and its background saves."""

    def __init__(self, folder: Path, space: str, encoders: list[str], dim: int) -> None:
        self.folder, self.space, self.encoders, self.dim = folder, space, sorted(encoders), dim
        self.backend: UsearchBackend | None = None
        self.seq = 0
        self.progress: tuple[int, int] = (0, 0)
        self._worker: threading.Thread | None = None
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self.error: str | None = None
        self.epoch = 0  # moves when the backend is replaced or dropped
        self.log_id = ""  # the database's embedding_log_id the backend follows
        self.stem = ""  # the generation the backend was loaded from
        self.distrusted = ""  # a generation found out of step: never opened again

    @property
    def header_path(self) -> Path:
        return self.folder / f"{self.space}.json"

    @property
    def busy(self) -> bool:
        """Whether a build or a save is running."""
        return self._worker is not None and self._worker.is_alive()

    def open(self, store: Store) -> bool:
        """Map the saved index if it is intact and of this space; catch it up. False: there is
        no usable index (a build is needed)."""
        found = headers.read(self.header_path)
        if found is None or not found.matches(self.space, self.encoders, self.dim):
            return False
        if found.stem == self.distrusted:
            return False  # its count disagreed with the database: a build replaces it
        if found.log_id != store.embedding_log_id() or found.seq > store.embedding_log_seq():
            return False  # another or a restored library
        if not store.embedding_log_covers(found.seq):
            return False  # a log pruned past the index
        if not headers.files_intact(self.folder, found):
            return False
        try:
            backend = UsearchBackend.load(self.folder / found.stem, self.dim)
        except (OSError, ValueError, RuntimeError) as exc:
            log.info("index %s unusable (%s): rebuilding", found.stem, exc)
            return False
        if backend.count() != found.count:
            return False
        with self._lock:
            self.backend, self.seq, self.log_id = backend, found.seq, found.log_id
            self.stem = found.stem
        self.catch_up(store)
        # Counting a million rows takes seconds: not on the way to ready, and not at all for
        # a one-shot read (a CLI query), whose process would wait for it at the end.
        if not self.busy and not store.one_shot:
            self._start(lambda: self._verify(Path(store.path)))
        return True

    def _verify(self, db_path: Path) -> None:
        """Compare the index with the database's count of the space's present vectors, on a
        connection of its own; out of step (a library swapped under the index) -> drop it."""
        store = Store(db_path, read_only=True)
        try:
            seq, stem = store.embedding_log_seq(), self.stem
            count = store.count_embedded(self.encoders)
            backend = self.backend
            if backend is None or store.embedding_log_seq() != seq or self.seq != seq:
                return  # changed meanwhile: the next open checks again
            if backend.count() != count:
                log.info("index of %s out of step with the database: rebuilding", self.space)
                with self._lock:
                    self.backend, self.distrusted = None, stem
                    self.epoch += 1
        finally:
            store.close()

    def catch_up(self, store: Store) -> int:
        """Apply the database's changes since the index's seq; returns how many items."""
        backend = self.backend
        if backend is None:
            return 0
        if not store.embedding_log_covers(self.seq):  # pruned past us by another instance:
            with self._lock:  # the saved index it pruned for is opened next
                self.backend = None
                self.epoch += 1
            return 0
        changed, upto = store.embedding_changes(self.encoders, self.seq)
        if changed:
            ids, matrix = store.load_embeddings(self.encoders, self.dim, changed)
            backend.upsert(ids, matrix)
            backend.remove(np.setdiff1d(np.asarray(changed, np.int64), ids))
        self.seq = upto
        if backend.pending() >= SAVE_EVERY and not self.busy and not store.one_shot:
            db_path = Path(store.path)  # (a one-shot read leaves the saving to the app)
            self._start(lambda: self._save(db_path))
        return len(changed)

    def build(self, db_path: Path, on_done: Callable[[], None] | None = None) -> None:
        """Start (or resume) a build in the background unless one is running."""
        if not self.busy:
            self._start(lambda: self._build(db_path, on_done))

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the running build or save (tests, benchmarks, shutdown)."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)

    def close(self) -> None:
        """Stop a build at its next chunk (it resumes next time) and wait for the worker."""
        self._cancel.set()
        self.wait()

    # -- background work -----------------------------------------------------------------
    def _start(self, work: Callable[[], None]) -> None:
        self._cancel.clear()
        self._worker = threading.Thread(target=self._guarded(work), daemon=True, name="ann")
        self._worker.start()

    def _guarded(self, work: Callable[[], None]) -> Callable[[], None]:
        """Run ``work`` holding the space's lock file, so two libraries open on one data
        folder (the app's search and writer threads, a CLI call) never write the same files;
        when another holds it, skip: it is doing the same work."""

        def run() -> None:
            self.folder.mkdir(parents=True, exist_ok=True)
            with open(self.folder / f"{self.space}.lock", "w") as lock:
                if not try_lock(lock):
                    return
                try:
                    work()
                except Exception as exc:  # a derived index: exact search answers meanwhile
                    self.error = f"{type(exc).__name__}: {exc}"
                    log.warning("search index of %s failed: %s", self.space, self.error)

        return run

    def _next_stem(self) -> str:
        """A generation name no file has yet (never overwrite one another process maps)."""
        numbers = [0]
        for path in self.folder.glob(f"{self.space}.g*"):
            number = path.name[len(self.space) + 2 :].split(".", 1)[0]
            numbers += [int(number)] if number.isdigit() else []
        return f"{self.space}.g{max(numbers) + 1}"

    def _build(self, db_path: Path, on_done: Callable[[], None] | None) -> None:
        builder = Builder(db_path, self.folder, self.space, self.encoders, self.dim)
        progress: Progress = lambda done, total: setattr(self, "progress", (done, total))  # noqa: E731
        found = builder.run(self._next_stem(), progress, self._cancel.is_set)
        if found is None:
            return
        backend = UsearchBackend.load(self.folder / found.stem, self.dim)
        with self._lock:
            self.backend, self.seq, self.log_id = backend, found.seq, found.log_id
            self.stem = found.stem
            self.epoch += 1
        self._remove_old(found.stem)
        prune_log(self.folder, db_path)
        if on_done is not None:
            on_done()

    def _save(self, db_path: Path) -> None:
        backend = self.backend
        if backend is None:
            return
        seq = self.seq
        base, delta = backend.snapshot()
        stem = self._next_stem()
        new: Base = write_generation(self.folder / stem, self.dim, base, delta)
        count = len(new.keys)
        found = headers.Header(
            space=self.space,
            encoders=self.encoders,
            dim=self.dim,
            seq=seq,
            count=count,
            stem=stem,
            log_id=self.log_id,
            files={p.name: headers.digest(p) for p in files(self.folder / stem)},
        )
        headers.write(self.header_path, found)
        backend.adopt(new, delta)
        self.stem = stem
        self._remove_old(stem)
        prune_log(self.folder, db_path)

    def _remove_old(self, keep: str) -> None:
        """Delete other generations' files (a viewed file stays readable until unmapped)."""
        for path in self.folder.glob(f"{self.space}.g*"):
            if not path.name.startswith(keep + ".") and not path.name.endswith(".tmp"):
                path.unlink(missing_ok=True)


def prune_log(folder: Path, db_path: Path) -> int:
    """Forget the change-log entries that every index of this library in ``folder`` reflects
    (each saved generation's header, and each unfinished build's note, names the seq it reads
    the log after): the log otherwise keeps ~28 bytes for every vector ever written. An index
    held in memory further back (another instance) finds the log pruned past it and opens the
    saved generation instead. Returns the entries removed; never raises (derived data)."""
    try:
        store = Store(db_path)
    except Exception as exc:
        log.info("change log not pruned: %s", exc)
        return 0
    try:
        if store.read_only:
            return 0
        log_id, needed = store.embedding_log_id(), []
        for path in folder.glob("*.json"):
            if path.name.endswith(".build.json"):
                note = json.loads(path.read_text(encoding="utf-8"))
                needed += [int(note["seq"])] if note.get("log_id") == log_id else []
            elif (found := headers.read(path)) is not None and found.log_id == log_id:
                needed.append(found.seq)
        return store.prune_embedding_log(min(needed)) if needed else 0
    except Exception as exc:  # unsure what an index needs: keep the whole log
        log.info("change log not pruned: %s", exc)
        return 0
    finally:
        store.close()
