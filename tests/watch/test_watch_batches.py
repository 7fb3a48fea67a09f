"""Debouncing: a burst of events is one batch, handed over once the folder is quiet (or after
the longest wait), and a batch that could not run merges into the next."""

from __future__ import annotations

import queue
from pathlib import Path

from mmdesk_testing import make_photo

from mmdesk.core.paths import canonical
from mmdesk.core.watch import Batch, Debouncer, FolderWatcher, WatchOptions


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_is_one_batch_after_the_quiet_time() -> None:
    clock = Clock()
    debouncer = Debouncer(quiet_s=2.0, max_wait_s=30.0, clock=clock)
    for n in range(5):
        debouncer.changed(f"/lib/{n}.jpg")
        clock.now += 1.0  # never quiet for 2 s
        assert debouncer.due() is None
    clock.now += 1.0
    batch = debouncer.due()
    assert batch is not None and batch.changed == {f"/lib/{n}.jpg" for n in range(5)}
    assert debouncer.due() is None and not debouncer.pending


def test_a_folder_that_never_goes_quiet_is_handed_over_after_the_longest_wait() -> None:
    clock = Clock()
    debouncer = Debouncer(quiet_s=2.0, max_wait_s=10.0, clock=clock)
    for n in range(12):
        debouncer.changed(f"/lib/{n}.jpg")
        batch = debouncer.due()
        if batch:
            break
        clock.now += 1.0
    assert batch is not None and len(batch.changed) == 11


def test_a_later_event_on_a_path_wins() -> None:
    debouncer = Debouncer(quiet_s=0.0)
    debouncer.changed("/lib/a.jpg")
    debouncer.gone("/lib/a.jpg")
    debouncer.gone("/lib/b.jpg")
    debouncer.changed("/lib/b.jpg")
    batch = debouncer.due(force=True)
    assert batch == Batch(changed={"/lib/b.jpg"}, gone={"/lib/a.jpg"})


def test_several_files_written_together_come_as_one_batch(photos: Path) -> None:
    batches: queue.Queue[Batch] = queue.Queue()
    options = WatchOptions(quiet_s=0.5, poll_s=0.1, tick_s=0.05, force_polling=True)
    with FolderWatcher([canonical(photos)], batches.put, options):
        for n in range(6):
            make_photo(photos / "burst" / f"b-{n}.png", "red", seed=200 + n)
        batch = batches.get(timeout=10)
    assert batch.changed >= {canonical(photos / "burst" / f"b-{n}.png") for n in range(6)}
    assert batches.empty()


def test_the_periodic_rescan_asks_for_every_online_folder(photos: Path, tmp_path: Path) -> None:
    batches: queue.Queue[Batch] = queue.Queue()
    away = tmp_path / "unplugged"
    options = WatchOptions(quiet_s=0.05, rescan_s=0.3, tick_s=0.05, force_polling=True)
    with FolderWatcher([canonical(photos), str(away)], batches.put, options) as watcher:
        assert watcher.modes[str(away)] == "offline"
        first = batches.get(timeout=5)
        assert first.offline == {str(away)}
        rescan = batches.get(timeout=5)
    assert rescan.rescan == {canonical(photos)}
