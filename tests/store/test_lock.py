"""The per-library lock, stale folder states, and which failed files to retry."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from mmdesk.errors import LibraryBusyError
from mmdesk.store import Store
from mmdesk.store.lock import library_lock, lock_holder, lock_path

HOLD = """
import sys, time
from mmdesk.store.lock import library_lock
with library_lock(sys.argv[1]):
    print("held", flush=True)
    time.sleep(30)
"""


def test_second_lock_in_this_process_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "library.db"
    with library_lock(db):
        with pytest.raises(LibraryBusyError, match=r"indexing this library \(pid \d+\)"):
            with library_lock(db):
                pass
        assert lock_holder(db) is not None
    assert lock_holder(db) is None
    with library_lock(db) as held:  # free again
        assert held == lock_path(db)


def test_lock_held_by_another_process_names_its_pid(tmp_path: Path) -> None:
    db = tmp_path / "library.db"
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        with pytest.raises(LibraryBusyError, match=f"pid {child.pid}"):
            with library_lock(db):
                pass
    finally:
        child.kill()
        child.wait()
    deadline = time.monotonic() + 5
    while lock_holder(db) is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert lock_holder(db) is None  # the kernel frees a killed holder's lock


def test_stale_scanning_state_is_reset_only_when_the_lock_is_free(
    store: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    fid = store.add_folder(folder)
    store.set_folder_state(fid, "scanning")
    with library_lock(store.path):
        assert store.reset_stale_states() == 0
    assert store.reset_stale_states() == 1
    assert store.folders()[0]["state"] == "interrupted"


def test_environment_errors_are_retried_content_errors_are_not(store: Store) -> None:
    store.upsert_file(
        "/x/locked.jpg", size=1, mtime_ns=1, kind="image", status="error",
        error="Permission denied", error_kind="environment",
    )  # fmt: skip
    store.upsert_file(
        "/x/broken.jpg", size=1, mtime_ns=1, kind="image", status="error",
        error="cannot identify image", error_kind="content",
    )  # fmt: skip
    assert [r.path for r in store.retry_candidates()] == ["/x/locked.jpg"]
    assert store.file_by_path("/x/locked.jpg").should_retry
    assert not store.file_by_path("/x/broken.jpg").should_retry
    store.upsert_file("/x/locked.jpg", size=1, mtime_ns=1, kind="image", status="indexed")
    assert store.retry_candidates() == []
    assert store.file_by_path("/x/locked.jpg").error_kind is None
    with pytest.raises(ValueError):
        store.upsert_file("/x/a.jpg", size=1, mtime_ns=1, kind="image", status="error",
                          error_kind="cosmic-ray")  # fmt: skip
