"""The watcher: new files, renames (labels kept) and deletions reach the library as batches
of index work, by polling (deterministic) and by the native observer."""

from __future__ import annotations

import queue
import shutil
import time
from pathlib import Path

import pytest
from mmdesk_testing import make_photo

from mmdesk.config import Settings
from mmdesk.core.library import Library
from mmdesk.core.paths import canonical
from mmdesk.core.search import Filters
from mmdesk.core.watch import Batch, FolderWatcher, WatchJob, WatchOptions

FAST = WatchOptions(quiet_s=0.3, max_wait_s=5.0, poll_s=0.1, check_s=0.2, tick_s=0.05)
POLL = WatchOptions(**{**FAST.__dict__, "force_polling": True})


def next_batch(batches: queue.Queue[Batch], want: str, timeout: float = 10.0) -> Batch:
    """Batches merged until one names a path in ``want`` ('changed', 'gone', ...)."""
    merged = Batch()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            merged.merge(batches.get(timeout=0.1))
        except queue.Empty:
            continue
        if getattr(merged, want):
            time.sleep(FAST.quiet_s * 2)  # the rest of the burst (a move's both halves)
            while not batches.empty():
                merged.merge(batches.get())
            return merged
    raise AssertionError(f"no batch with {want} within {timeout} s (got {merged})")


def watching(root: Path, options: WatchOptions = FAST) -> tuple[FolderWatcher, queue.Queue[Batch]]:
    batches: queue.Queue[Batch] = queue.Queue()
    return FolderWatcher([canonical(root)], batches.put, options), batches


def test_new_renamed_and_deleted_files_by_polling(settings: Settings, photos: Path) -> None:
    with Library(settings) as lib:
        lib.index([photos])
        old = photos / "green" / "green-1.png"
        item = lib.item_for_path(old)
        assert item is not None
        lib.tag([item], "garden")
        watcher, batches = watching(photos, POLL)
        with watcher:
            assert watcher.modes == {canonical(photos): "polling"}
            make_photo(photos / "new" / "fresh.png", "red", seed=42)
            job = WatchJob(next_batch(batches, "changed"))
            lib.run(job)
            assert (job.report.indexed, job.report.missing) == (1, 0)
            red = {Path(r.path).name for r in lib.search("red", Filters(limit=4))}
            assert "fresh.png" in red

            new = photos / "renamed.png"
            shutil.move(old, new)
            job = WatchJob(next_batch(batches, "changed"))
            lib.run(job)
            assert (job.report.moved, job.report.indexed, job.report.missing) == (1, 0, 0)
            assert lib.item_for_path(new) == item
            assert [t["name"] for t in lib.labels_for(item)] == ["garden"]

            (photos / "blue" / "blue-2.png").unlink()
            job = WatchJob(next_batch(batches, "gone"))
            lib.run(job)
            assert job.report.missing == 1
            assert lib.store.counts()["missing"] == 1
            assert lib.status()["files"] == 9  # 9 + fresh - the deleted one


def test_native_observer_picks_up_a_folder_moved_in_and_a_changed_file(
    settings: Settings, photos: Path, tmp_path: Path
) -> None:
    with Library(settings) as lib:
        lib.index([photos])
        watcher, batches = watching(photos, WatchOptions(quiet_s=0.3, tick_s=0.05))
        with watcher:
            assert watcher.modes == {canonical(photos): "native"}
            outside = tmp_path / "import"
            for n in range(3):
                make_photo(outside / f"shot-{n}.png", "blue", seed=100 + n)
            shutil.move(outside, photos / "import")  # one event for a whole folder
            job = WatchJob(next_batch(batches, "changed"))
            lib.run(job)
            assert (job.report.files, job.report.indexed) == (3, 3)
            assert lib.status()["files"] == 12
            make_photo(photos / "red" / "red-0.png", "blue", seed=300)  # changed in place
            job = WatchJob(next_batch(batches, "changed"))
            lib.run(job)
            assert (job.report.files, job.report.indexed) == (1, 1)
            blue = {Path(r.path).name for r in lib.search("blue", Filters(limit=7))}
            assert "red-0.png" in blue


def test_hidden_and_non_media_paths_are_ignored(photos: Path) -> None:
    watcher, batches = watching(photos, WatchOptions(quiet_s=0.2, tick_s=0.05))
    with watcher:
        (photos / "notes.txt").write_text("not a photo")
        make_photo(photos / ".cache" / "thumb.png", "red")
        make_photo(photos / "kept.png", "red")
        batch = next_batch(batches, "changed")
    assert batch.changed == {canonical(photos / "kept.png")}


def test_a_folder_on_a_network_mount_is_polled(photos: Path) -> None:
    table = f"/dev/sda1 / ext4 rw 0 0\nnas:/photos {canonical(photos)} nfs4 rw 0 0\n"
    watcher = FolderWatcher([canonical(photos)], lambda b: None, FAST, mounts_text=table)
    with watcher:
        assert watcher.modes == {canonical(photos): "polling"}
    assert "nfs4 is a network file system" in watcher.notes[0]


def test_polling_takes_over_when_the_native_observer_refuses(
    photos: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    watcher, batches = watching(photos, FAST)

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(28, "inotify watch limit reached")

    monkeypatch.setattr(watcher._native, "schedule", refuse)
    with watcher:
        assert watcher.modes == {canonical(photos): "polling"}
        make_photo(photos / "polled.png", "red")
        assert canonical(photos / "polled.png") in next_batch(batches, "changed").changed
    assert "inotify watch limit" in watcher.notes[0]
