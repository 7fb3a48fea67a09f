"""A folder whose drive is away is offline: its items stay, searchable and marked, nothing
is marked missing or re-indexed, and when it returns a normal incremental scan resumes."""

from __future__ import annotations

import queue
from pathlib import Path

from mmdesk.config import Settings
from mmdesk.core.library import Library
from mmdesk.core.paths import canonical
from mmdesk.core.search import Filters
from mmdesk.core.watch import Batch, FolderWatcher, WatchJob, WatchOptions
from mmdesk.store import mounts


def test_an_offline_folder_keeps_its_items_and_comes_back(
    settings: Settings, photos: Path, tmp_path: Path
) -> None:
    with Library(settings) as lib:
        lib.index([photos])
        item = lib.item_for_path(photos / "red" / "red-0.png")
        assert item is not None
        lib.tag([item], "holiday")
        unplugged = tmp_path / "drive-away"
        photos.rename(unplugged)  # the drive is unplugged

        assert [f["state"] for f in lib.folders()] == ["offline"]
        report = lib.index()  # a full rescan of every library folder
        assert (report.found, report.indexed, report.missing) == (0, 0, 0)
        assert lib.store.counts().get("missing", 0) == 0
        assert [f["state"] for f in lib.store.folders()] == ["offline"]
        results = lib.search("red", Filters(limit=3))
        assert len(results) == 3
        assert all(r.file["folder_state"] == "offline" for r in results)
        assert [t["name"] for t in lib.labels_for(item)] == ["holiday"]

        unplugged.rename(photos)  # plugged in again
        assert [f["state"] for f in lib.folders()] == ["new"]  # back, waiting for a scan
        job = WatchJob(Batch(rescan={canonical(photos)}))
        lib.run(job)
        assert (job.report.indexed, job.report.skipped, job.report.missing) == (0, 9, 0)
        assert [f["state"] for f in lib.store.folders()] == ["indexed"]
        assert all(r.file["folder_state"] == "indexed" for r in lib.search("red"))


def test_deletion_events_from_an_unplugged_drive_mark_nothing_missing(
    settings: Settings, photos: Path, tmp_path: Path
) -> None:
    with Library(settings) as lib:
        lib.index([photos])
        gone = {canonical(p) for p in photos.rglob("*.png")}
        photos.rename(tmp_path / "away")
        job = WatchJob(Batch(gone=gone | {canonical(photos)}, offline={canonical(photos)}))
        changes = lib.run(job)
        assert changes.folders and job.report.offline == [canonical(photos)]
        assert job.report.missing == 0 and lib.store.counts().get("missing", 0) == 0
        assert list(lib.store.folder_states().values()) == ["offline"]


def test_the_watcher_sees_a_folder_go_offline_and_return(photos: Path, tmp_path: Path) -> None:
    batches: queue.Queue[Batch] = queue.Queue()
    root = canonical(photos)
    options = WatchOptions(quiet_s=0.05, check_s=0.1, tick_s=0.05, poll_s=0.1, force_polling=True)
    with FolderWatcher([root], batches.put, options) as watcher:
        photos.rename(tmp_path / "away")
        while not (batch := batches.get(timeout=5)).offline:
            pass
        assert watcher.modes[root] == "offline"
        (tmp_path / "away").rename(photos)
        while not (batch := batches.get(timeout=5)).rescan:
            pass
        assert batch.rescan == {root} and watcher.modes[root] == "polling"


def test_an_empty_mount_point_is_offline_a_mounted_one_is_not(monkeypatch, tmp_path) -> None:
    # /media/usb exists but is empty and sits on the root file system: the drive is away.
    empty = tmp_path / "usb"
    empty.mkdir()
    monkeypatch.setattr(mounts, "REMOVABLE_PREFIXES", (str(tmp_path) + "/",))
    table = tmp_path / "mounts"
    table.write_text("/dev/sda1 / ext4 rw 0 0\n")
    monkeypatch.setattr(mounts, "MOUNTS_FILE", table)
    assert mounts.folder_offline(empty)
    table.write_text(f"/dev/sda1 / ext4 rw 0 0\n/dev/sdb1 {empty} vfat rw 0 0\n")
    assert not mounts.folder_offline(empty)  # mounted and empty: really emptied
    (empty / "photo.jpg").write_bytes(b"x")
    table.write_text("/dev/sda1 / ext4 rw 0 0\n")
    assert not mounts.folder_offline(empty)
    assert mounts.folder_offline(tmp_path / "never-there")
