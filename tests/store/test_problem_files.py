"""``problem_files``: the failed files the GUI's problems view lists, with why and when."""

from __future__ import annotations

import time
from pathlib import Path

from mmdesk.store import Store


def test_problem_files_lists_failed_files_with_reason_and_when(tmp_path: Path) -> None:
    before = time.time()
    with Store(tmp_path / "db.sqlite") as store:
        store.upsert_file(
            "/x/b-broken.jpg", size=1, mtime_ns=7, kind="image", status="error",
            error="not an image", error_kind="content",
        )  # fmt: skip
        store.upsert_file("/x/a-fine.jpg", size=1, mtime_ns=1, kind="image", status="indexed")
        store.upsert_file(
            "/x/a-locked.jpg", size=1, mtime_ns=1, kind="image", status="error",
            error="Permission denied", error_kind="environment",
        )  # fmt: skip
        rows = store.problem_files()
        assert [(r["path"], r["error"], r["error_kind"]) for r in rows] == [
            ("/x/a-locked.jpg", "Permission denied", "environment"),
            ("/x/b-broken.jpg", "not an image", "content"),
        ]
        assert all(r["added_at"] >= before for r in rows) and rows[1]["mtime_ns"] == 7
        assert len(store.problem_files(limit=1)) == 1
        store.upsert_file("/x/b-broken.jpg", size=2, mtime_ns=8, kind="image", status="indexed")
        assert [r["path"] for r in store.problem_files()] == ["/x/a-locked.jpg"]
