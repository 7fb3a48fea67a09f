"""The indexer: incremental, rename-aware, robust to bad files, cancellable, resumable."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mmdesk_testing import make_photo
from PIL import Image

from mmdesk.config import Settings
from mmdesk.core.library import Library
from mmdesk.core.search import Filters
from mmdesk.core.tasks import TaskState


def _consistent(db: Path) -> tuple[int, int, int]:
    """(indexed files, items, embeddings), asserting each indexed file is whole and unique."""
    conn = sqlite3.connect(db)
    files = conn.execute("SELECT COUNT(*) FROM files WHERE status='indexed'").fetchone()[0]
    items = conn.execute("SELECT COUNT(*) FROM items").fetchone()[0]
    vectors = conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]
    orphans = conn.execute(
        "SELECT COUNT(*) FROM files f WHERE status='indexed' AND NOT EXISTS "
        "(SELECT 1 FROM items i JOIN embeddings e ON e.item_id=i.id "
        "WHERE i.file_id=f.id)"
    ).fetchone()[0]
    conn.close()
    assert orphans == 0
    return files, items, vectors


def test_second_run_skips_unchanged_and_reindexes_changed(settings: Settings, photos: Path) -> None:
    with Library(settings) as lib:
        first = lib.index([photos])
        assert (first.found, first.indexed, first.errors) == (9, 9, 0)
        second = lib.index([photos])
        assert (second.indexed, second.skipped) == (0, 9)
        target = photos / "red" / "red-0.png"
        make_photo(target, "blue", seed=99)
        os.utime(target, ns=(time.time_ns(), time.time_ns() + 10**9))
        third = lib.index([photos])
        assert (third.indexed, third.skipped) == (1, 8)
        blue = {Path(r.path).name for r in lib.search("blue", Filters(limit=4))}
        red = {Path(r.path).name for r in lib.search("red", Filters(limit=2))}
        assert "red-0.png" in blue and "red-0.png" not in red
        assert _consistent(settings.db_path) == (9, 9, 9)


def test_renamed_file_keeps_its_item_embedding_and_labels(settings: Settings, photos: Path) -> None:
    with Library(settings) as lib:
        lib.index([photos])
        old = photos / "green" / "green-1.png"
        item = lib.item_for_path(old)
        lib.tag([item], "garden")
        new = photos / "moved" / "renamed.png"
        new.parent.mkdir()
        shutil.move(old, new)
        report = lib.index([photos])
        assert (report.moved, report.indexed, report.missing) == (1, 0, 0)
        assert lib.item_for_path(new) == item
        assert [t["name"] for t in lib.labels_for(item)] == ["garden"]
        assert lib.store.file_by_path(str(old)) is None
        assert _consistent(settings.db_path) == (9, 9, 9)


def test_deleted_files_are_marked_missing_not_lost(settings: Settings, photos: Path) -> None:
    with Library(settings) as lib:
        lib.index([photos])
        gone = photos / "blue" / "blue-2.png"
        item = lib.item_for_path(gone)
        lib.tag([item], "sky")
        gone.unlink()
        report = lib.index([photos])
        assert report.missing == 1
        assert lib.store.file_by_path(str(gone)).status == "missing"
        assert [t["name"] for t in lib.labels_for(item)] == ["sky"]
        assert all("blue-2" not in r.path for r in lib.search("blue"))
        make_photo(gone, "blue", seed=2)  # it comes back: same content, same item
        lib.index([photos])
        assert lib.item_for_path(gone) == item
        assert lib.store.file_by_path(str(gone)).status == "indexed"


def test_bad_files_are_recorded_with_a_reason_and_never_stop_the_run(
    settings: Settings, photos: Path
) -> None:
    bad = photos / "bad"
    bad.mkdir()
    (bad / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 a jpeg header, then nothing")
    (bad / "random.jpg").write_bytes(os.urandom(2000))
    good = make_photo(bad / "truncated.png", "red", size=(400, 300), seed=5)
    (bad / "truncated.png").write_bytes(good.read_bytes()[:300])
    (bad / "empty.png").write_bytes(b"")
    Image.new("L", (20000, 10000)).save(bad / "bomb.png")  # 200 Mpx of zeros: a few KB
    (bad / "notes.txt").write_text("not media")
    with Library(settings) as lib:
        report = lib.index([photos])
        assert (report.indexed, report.errors) == (9, 5)
        reasons = dict(lib.errors())
        assert "corrupt or truncated" in reasons[str(bad / "corrupt.jpg")]
        assert "not an image" in reasons[str(bad / "random.jpg")]
        assert "truncated" in reasons[str(bad / "truncated.png")]
        assert "decompression bomb" in reasons[str(bad / "bomb.png")]
        assert lib.status()["errors"] == 5
        again = lib.index([photos])  # known-bad files are not retried until they change
        assert (again.indexed, again.errors, again.skipped) == (0, 0, 14)


def test_scan_skips_hidden_and_system_folders_and_survives_loops(
    settings: Settings, photos: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_photo(photos / ".hidden" / "secret.png", "red")
    make_photo(photos / "@eaDir" / "thumb.png", "red")
    (photos / "red" / "loop").symlink_to(photos, target_is_directory=True)
    make_photo(photos / "locked" / "x.png", "red")
    real_scandir = os.scandir

    def scandir(path):  # root ignores permissions, so simulate an unreadable folder
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    with Library(settings) as lib:
        report = lib.index([photos])
    assert report.found == 9
    assert any("locked" in path for path, _ in report.problems)


def test_exif_orientation_is_applied(settings: Settings, tmp_path: Path) -> None:
    from mmdesk.core.media import decode_image

    image = Image.new("RGB", (80, 40), (200, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees to display
    exif[0x010F], exif[0x0110] = "Canon", "Canon EOS 5D"
    path = tmp_path / "rotated.jpg"
    image.save(path, exif=exif)
    decoded = decode_image(path.read_bytes())
    assert decoded.image.size == (40, 80)
    assert (decoded.meta["width"], decoded.meta["height"]) == (40, 80)
    assert decoded.meta["camera"] == "Canon EOS 5D"


def test_cancel_mid_run_leaves_a_consistent_library(settings: Settings, tmp_path: Path) -> None:
    root = tmp_path / "many"
    for n in range(60):
        make_photo(root / f"{n:03}.png", ["red", "green", "blue"][n % 3], seed=n)
    settings.batch_size = 8

    def cancel_after_two_batches(progress) -> None:
        if progress.done >= 16:
            state.cancel()

    state = TaskState(cancel_after_two_batches)
    with Library(settings) as lib:
        report = lib.index([root], state)
        assert report.cancelled
        files, items, vectors = _consistent(settings.db_path)
        assert 0 < files < 60 and files == items == vectors == report.indexed
        rest = lib.index([root])
        assert rest.indexed == 60 - files and not rest.cancelled
    assert _consistent(settings.db_path) == (60, 60, 60)


def test_killed_index_run_resumes_without_loss_or_duplicates(
    settings: Settings, tmp_path: Path
) -> None:
    root = tmp_path / "many"
    for n in range(400):
        make_photo(root / f"{n:03}.png", ["red", "green", "blue"][n % 3], seed=n)
    env = {**os.environ, "MMDESK_DATA_DIR": str(settings.data_dir)}
    cmd = [
        sys.executable,
        "-m",
        "mmdesk",
        "--threads",
        "1",
        "index",
        str(root),
        "--batch",
        "2",
        "--json",
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    killed_at = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if settings.db_path.exists():
            try:
                count = (
                    sqlite3.connect(settings.db_path, timeout=0.1)
                    .execute("SELECT COUNT(*) FROM files WHERE status='indexed'")
                    .fetchone()[0]
                )
            except sqlite3.OperationalError:
                count = 0
            if count >= 20:
                proc.send_signal(signal.SIGKILL)
                killed_at = count
                break
        time.sleep(0.005)
    proc.wait(10)
    assert killed_at is not None, proc.stderr.read().decode()
    files, items, vectors = _consistent(settings.db_path)
    assert 20 <= files < 400 and files == items == vectors
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert _consistent(settings.db_path) == (400, 400, 400)


def test_indexing_saves_each_photos_grid_thumbnail(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mmdesk.core import thumbnails

    root = tmp_path / "pics"
    tall = make_photo(root / "tall.jpg", "red", size=(300, 600))
    wide = make_photo(root / "wide.png", "blue", size=(640, 480))
    with Library(settings) as library:
        library.index([root])
        cache = thumbnails.thumbs_dir(settings.cache_dir)

        def decode_again(*_: object) -> None:
            raise AssertionError("the grid decoded a photo that indexing had decoded")

        monkeypatch.setattr(thumbnails, "make_thumbnail", decode_again)
        for path, size in ((tall, (128, 256)), (wide, (256, 192))):
            made = thumbnails.ensure_thumbnail(cache, str(path))  # found, not made
            with Image.open(made) as thumb:
                assert thumb.size == size and thumb.format == "JPEG"
                red, _, blue = thumb.convert("RGB").getpixel((size[0] // 2, size[1] // 2))
                assert (red > 200) == (path is tall) and (blue > 200) == (path is wide)
