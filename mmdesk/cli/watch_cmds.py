"""``mmdesk watch``: keep every library folder current until stopped.

The watcher's batches (see :mod:`mmdesk.core.watch`) arrive on its own thread and are queued
for the main thread, which runs each as a :class:`~mmdesk.core.watch.WatchJob` on this
process's library — the same job the app runs. One line per run (a JSON object per line with
``--json``), so the command can be logged or piped. Ctrl+C (or SIGTERM) stops cleanly: a run
in flight is cancelled at its next checkpoint and the watcher shuts down; a second Ctrl+C
interrupts at once.
"""

from __future__ import annotations

import argparse
import json
import queue
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from mmdesk.cli.output import note, say, shown
from mmdesk.config import Settings
from mmdesk.core.library import Library
from mmdesk.core.tasks import TaskState
from mmdesk.core.watch import Batch, FolderWatcher, WatchJob, WatchOptions
from mmdesk.errors import MmdeskError

FOLLOW_FOLDERS_S = 30.0  # how often the list of library folders is read again
RETRY_FIRST_S, RETRY_MAX_S = 5.0, 300.0  # a batch that failed (library busy) waits, then more


def register(commands: Any) -> None:
    """Add ``watch``."""
    p = commands.add_parser(
        "watch", help="watch the library folders and index what changes, until Ctrl+C"
    )
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--for", dest="seconds", type=float, help="stop after SECONDS")
    p.add_argument("--quiet", type=float, default=2.0, help="seconds without events (2)")
    p.add_argument("--poll", action="store_true", help="poll every folder (no native events)")
    p.add_argument("--poll-every", type=float, default=5.0, help="polling interval (5 s)")
    p.add_argument("--rescan-every", type=float, default=3600.0, help="light rescan (3600 s)")
    p.add_argument("--no-initial-scan", action="store_true", help="no light rescan at start")
    p.set_defaults(func=cmd_watch)


def cmd_watch(args: argparse.Namespace, settings: Settings) -> int:
    """Watch until Ctrl+C, SIGTERM or ``--for`` seconds."""
    with Library(settings) as lib:
        roots = [str(r) for r in lib.library_roots()]
        if not roots:
            raise MmdeskError("no library folders yet: mmdesk folders add PATH")
        options = _options(args, lib)
        batches: queue.Queue[Batch] = queue.Queue()
        with _stop_on_signals() as stop, FolderWatcher(roots, batches.put, options) as watcher:
            _announce(watcher, args.json)
            _loop(lib, watcher, batches, stop, args)
    _line({"event": "stopped"}, "stopped watching", args.json)
    return 0


def _options(args: argparse.Namespace, lib: Library) -> WatchOptions:
    s = lib.settings
    return WatchOptions(
        quiet_s=args.quiet,
        poll_s=args.poll_every,
        rescan_s=args.rescan_every,
        force_polling=args.poll,
        scan_at_start=not args.no_initial_scan,
        exclude=[str(p) for p in (s.cache_dir, s.user_plugin_dir, s.backups_dir)],
    )


class _Stop:
    """Set by Ctrl+C / SIGTERM; cancels the run in flight."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.state: TaskState | None = None

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if self.event.is_set():
            raise KeyboardInterrupt
        self.event.set()
        if self.state is not None:
            self.state.cancel()


@contextmanager
def _stop_on_signals() -> Iterator[_Stop]:
    stop = _Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop  # signals go to the main thread only (a test may run us elsewhere)
        return
    before = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


def _loop(
    lib: Library,
    watcher: FolderWatcher,
    batches: queue.Queue[Batch],
    stop: _Stop,
    args: argparse.Namespace,
) -> None:
    deadline = time.monotonic() + args.seconds if args.seconds is not None else float("inf")
    follow_at = time.monotonic() + FOLLOW_FOLDERS_S
    held, retry_at, backoff = Batch(), 0.0, RETRY_FIRST_S
    while not stop.event.is_set() and time.monotonic() < deadline:
        if time.monotonic() >= follow_at:
            watcher.set_roots(str(r) for r in lib.library_roots())
            follow_at = time.monotonic() + FOLLOW_FOLDERS_S
        try:
            held.merge(batches.get(timeout=min(0.2, max(0.01, deadline - time.monotonic()))))
        except queue.Empty:
            pass
        if not held or time.monotonic() < retry_at:
            continue
        batch, held = held, Batch()
        if _apply(lib, batch, watcher, stop, args.json):
            backoff = RETRY_FIRST_S
        else:  # kept, and tried again later, less and less often
            held.merge(batch)
            retry_at, backoff = time.monotonic() + backoff, min(backoff * 2, RETRY_MAX_S)


def _apply(lib: Library, batch: Batch, watcher: FolderWatcher, stop: _Stop, as_json: bool) -> bool:
    """Run one batch and say what it did; False (the error reported) when it failed."""
    job = WatchJob(batch, exclude=watcher.options.exclude)
    stop.state = TaskState()
    try:
        lib.run(job, stop.state)
    except MmdeskError as exc:  # another indexer holds the library, no model ...
        _line({"event": "error", "error": str(exc)}, f"error: {exc}", as_json, err=True)
        return False
    finally:
        stop.state = None
    r = job.report
    human = (
        f"{time.strftime('%H:%M:%S')} {r.indexed} indexed, {r.moved} moved, "
        f"{r.missing} missing, {r.errors} errors ({r.files} files"
        + (f", rescanned {len(r.rescanned)} folders" if r.rescanned else "")
        + (f", offline: {', '.join(shown(p) for p in r.offline)}" if r.offline else "")
        + f", {r.seconds:.1f}s)"
    )
    _line({"event": "indexed", **r.to_json()}, human, as_json)
    return True


def _announce(watcher: FolderWatcher, as_json: bool) -> None:
    modes = dict(watcher.modes)
    counts = {m: sum(1 for v in modes.values() if v == m) for m in ("native", "polling", "offline")}
    human = f"watching {len(modes)} folders (" + ", ".join(f"{n} {m}" for m, n in counts.items())
    _line({"event": "watching", "folders": modes}, human + "); Ctrl+C stops", as_json)
    for text in watcher.notes:
        note(text)


def _line(data: dict[str, Any], human: str, as_json: bool, *, err: bool = False) -> None:
    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
        sys.stdout.flush()
    elif err:
        print(f"mmdesk: {human}", file=sys.stderr)
    else:
        say(human)
        sys.stdout.flush()
