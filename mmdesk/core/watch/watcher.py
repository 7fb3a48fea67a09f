"""Watching library folders: file-system events in, debounced batches out.

Each library folder is watched by watchdog's native observer (inotify, FSEvents,
ReadDirectoryChangesW) or, where that cannot work, by its polling observer: on a network file
system (events from other machines never arrive through inotify; see ``store.mounts``) and
when the native observer refuses (the inotify watch limit). A clock thread hands a
:class:`Batch` to ``on_batch`` once events have been quiet for a moment, checks every few
seconds whether a folder went offline (its drive unplugged) or came back, and asks for a light
incremental rescan now and then (hourly by default) to catch what events missed.

``on_batch`` is called on the watcher's own thread: the caller decides where the work runs
(the CLI queues it for its main thread, the app hands it to its task runner).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch
from watchdog.observers.polling import PollingObserver

from mmdesk.core.indexing.scan import SYSTEM_DIRS
from mmdesk.core.paths import is_under
from mmdesk.core.watch.batch import Batch, Debouncer
from mmdesk.kinds import INDEXED_FILE_KINDS, file_kind
from mmdesk.store.mounts import folder_offline, network_mount

log = logging.getLogger(__name__)
Mode = Literal["native", "polling", "offline"]
OnBatch = Callable[[Batch], None]
IGNORED_EVENTS = frozenset({"opened", "closed_no_write"})
# What the native observer asks the kernel for: a written file counts once, when it is closed
# (not on every write, nor when the indexer opens and reads it).
NATIVE_EVENTS: list[type[FileSystemEvent]] = [
    FileCreatedEvent,
    FileClosedEvent,
    FileMovedEvent,
    FileDeletedEvent,
    DirCreatedEvent,
    DirMovedEvent,
    DirDeletedEvent,
]


@dataclass
class WatchOptions:
    """How the watcher waits and looks (seconds)."""

    quiet_s: float = 2.0  # no event for this long: the batch is handed over
    max_wait_s: float = 30.0  # ... or after this long, however busy the folder
    poll_s: float = 5.0  # how often the polling observer lists a folder
    rescan_s: float = 3600.0  # the periodic light rescan (0: never)
    check_s: float = 10.0  # how often folders are checked for offline / back
    tick_s: float = 0.2  # the clock thread's step
    force_polling: bool = False  # poll every folder (no native events)
    scan_at_start: bool = False  # a light rescan first, for what changed while not watching
    exclude: list[str] = field(default_factory=list)  # mmdesk's own folders, never indexed


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: FolderWatcher, root: str) -> None:
        self.watcher, self.root = watcher, root

    def on_any_event(self, event: FileSystemEvent) -> None:
        self.watcher.on_event(self.root, event)


class FolderWatcher:
    """Watches library folders; see the module docstring. Thread-safe; start once, stop once."""

    def __init__(
        self,
        roots: Iterable[str],
        on_batch: OnBatch,
        options: WatchOptions | None = None,
        *,
        mounts_text: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.options = options or WatchOptions()
        self.on_batch = on_batch
        self.mounts_text = mounts_text
        self.clock = clock
        self.debouncer = Debouncer(self.options.quiet_s, self.options.max_wait_s, clock)
        self.modes: dict[str, Mode] = {}
        self.notes: list[str] = []  # why a folder is polled rather than watched natively
        self._roots: list[str] = list(dict.fromkeys(str(r) for r in roots))
        self._watches: dict[str, tuple[BaseObserver, ObservedWatch]] = {}
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._native: BaseObserver = Observer()
        self._polling: BaseObserver = PollingObserver(timeout=self.options.poll_s)
        self._thread = threading.Thread(target=self._run, name="mmdesk-watch", daemon=True)

    # lifecycle ------------------------------------------------------------------------------
    def start(self) -> FolderWatcher:
        """Start both observers, watch every folder, start the clock."""
        self._native.start()
        self._polling.start()
        with self._lock:
            for root in self._roots:
                self._watch(root)
            if self.options.scan_at_start:
                self.request_rescan()
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop watching; a batch not yet handed over is dropped (the next rescan finds it)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        for observer in (self._native, self._polling):
            if observer.is_alive():
                observer.stop()
                observer.join(timeout=5)

    def __enter__(self) -> FolderWatcher:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def roots(self) -> list[str]:
        with self._lock:
            return list(self._roots)

    def set_roots(self, roots: Iterable[str], *, scan_new: bool = True) -> None:
        """Follow the library's folders: watch new ones (with a light scan of each, unless
        ``scan_new`` is False: the caller indexes them), drop old ones."""
        wanted = list(dict.fromkeys(str(r) for r in roots))
        with self._lock:
            for root in [r for r in self._roots if r not in wanted]:
                self._unwatch(root)
                self.modes.pop(root, None)
            added = [r for r in wanted if r not in self._roots]
            self._roots = wanted
            for root in added:
                self._watch(root)
        if added and scan_new:
            self.debouncer.add(Batch(rescan=set(added)))

    def request_rescan(self) -> None:
        """Ask for a light rescan of every folder that is online (at the next quiet moment)."""
        with self._lock:
            online = {r for r in self._roots if self.modes.get(r) != "offline"}
        if online:
            self.debouncer.add(Batch(rescan=online))

    def flush(self) -> Batch | None:
        """Hand over what is pending now, quiet or not (also returned)."""
        batch = self.debouncer.due(force=True)
        if batch:
            self._deliver(batch)
        return batch

    # watching one folder --------------------------------------------------------------------
    def _watch(self, root: str) -> None:
        if folder_offline(root):
            self.modes[root] = "offline"
            self.debouncer.add(Batch(offline={root}))
            return
        mount = network_mount(root, self.mounts_text)
        if self.options.force_polling or mount is not None:
            if mount is not None:
                self.notes.append(f"{root}: polled ({mount.fstype} is a network file system)")
            self._schedule(root, self._polling, "polling")
            return
        try:
            self._schedule(root, self._native, "native")
        except OSError as exc:  # e.g. the inotify watch limit (fs.inotify.max_user_watches)
            self.notes.append(f"{root}: polled (native watching failed: {exc})")
            log.info("watching %s by polling: %s", root, exc)
            self._schedule(root, self._polling, "polling")

    def _schedule(self, root: str, observer: BaseObserver, mode: Mode) -> None:
        only = NATIVE_EVENTS if mode == "native" else None  # polling sees no closes
        watch = observer.schedule(_Handler(self, root), root, recursive=True, event_filter=only)
        self._watches[root] = (observer, watch)
        self.modes[root] = mode

    def _unwatch(self, root: str) -> None:
        observer, watch = self._watches.pop(root, (None, None))
        if observer is not None and watch is not None:
            try:
                observer.unschedule(watch)
            except (KeyError, OSError) as exc:  # its folder vanished with the drive
                log.debug("unwatching %s: %s", root, exc)

    # events, on watchdog's threads ----------------------------------------------------------
    def on_event(self, root: str, event: FileSystemEvent) -> None:
        """Fold one event into the pending batch (ignoring hidden, system and own paths)."""
        kind = event.event_type
        if kind in IGNORED_EVENTS:
            return
        src = os.fsdecode(event.src_path)
        if kind in ("moved", "deleted"):
            if self._wanted(root, src, event.is_directory):
                self.debouncer.gone(src)
            if kind == "moved":
                dest = os.fsdecode(event.dest_path)
                if self._wanted(root, dest, event.is_directory):
                    self.debouncer.changed(dest)
        elif not event.is_directory or kind == "created":  # a folder's mtime: its files tell
            if self._wanted(root, src, event.is_directory):
                self.debouncer.changed(src)

    def _wanted(self, root: str, path: str, is_dir: bool) -> bool:
        if not is_under(path, root) or any(is_under(path, e) for e in self.options.exclude):
            return False
        parts = os.path.relpath(path, root).split(os.sep)
        if any(p.startswith(".") or p.lower() in SYSTEM_DIRS for p in parts if p != "."):
            return False
        return is_dir or file_kind(path) in INDEXED_FILE_KINDS

    # the clock thread -----------------------------------------------------------------------
    def _run(self) -> None:
        next_check = self.clock() + self.options.check_s
        rescan_s = self.options.rescan_s
        next_rescan = self.clock() + rescan_s if rescan_s > 0 else float("inf")
        while not self._stop.wait(self.options.tick_s):
            now = self.clock()
            if now >= next_check:
                self._check_folders()
                next_check = now + self.options.check_s
            if now >= next_rescan:
                self.request_rescan()
                next_rescan = now + rescan_s
            batch = self.debouncer.due()
            if batch:
                self._deliver(batch)

    def check_folders(self) -> None:
        """Look now whether a folder went offline or came back (the clock does it too)."""
        self._check_folders()

    def _check_folders(self) -> None:
        with self._lock:
            for root in self._roots:
                away = folder_offline(root)
                if away and self.modes.get(root) != "offline":
                    self._unwatch(root)
                    self.modes[root] = "offline"
                    self.debouncer.add(Batch(offline={root}))
                elif not away and self.modes.get(root) == "offline":
                    self._watch(root)
                    self.debouncer.add(Batch(rescan={root}))  # back: catch up incrementally

    def _deliver(self, batch: Batch) -> None:
        try:
            self.on_batch(batch)
        except Exception:  # the watcher keeps going; the caller's error is logged
            log.exception("handling a batch of folder changes failed")
