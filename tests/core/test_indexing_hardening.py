"""Indexing under hostile conditions: odd names, symlinks, own folders, moves, retries, locks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from mmdesk_testing import make_photo

from mmdesk.config import Settings
from mmdesk.core import media
from mmdesk.core.indexing import IndexJob, pipeline, prepare
from mmdesk.core.library import Library
from mmdesk.core.paths import display
from mmdesk.core.search import Filters
from mmdesk.errors import MmdeskError
from mmdesk.store.lock import library_lock


def test_non_utf8_file_name_is_indexed_searched_and_tagged(
    settings: Settings, tmp_path: Path
) -> None:
    root = tmp_path / "archive"
    name = os.fsdecode(b"caf\xe9.png")  # a Latin-1 name: a lone surrogate in Python
    make_photo(root / name, "red")
    make_photo(root / "plain.png", "blue")
    with Library(settings) as lib:
        report = lib.index([root])
        assert (report.indexed, report.errors) == (2, 0)
        again = lib.index([root])  # the re-run that used to stop at this file for good
        assert (again.indexed, again.skipped, again.errors) == (0, 2, 0)
        [hit] = lib.search("red", Filters(limit=1))
        assert hit.path == str(root / name) and os.path.exists(hit.path)
        lib.tag([hit.item_id], "old-drive")
        assert lib.item_for_path(root / name) == hit.item_id
        assert [t["name"] for t in lib.labels_for(hit.item_id)] == ["old-drive"]
    assert "\ufffd" in display(hit.path) and "\udce9" not in display(hit.path)


def test_symlinked_folder_and_dotdot_paths_are_one_canonical_folder(
    settings: Settings, photos: Path, tmp_path: Path
) -> None:
    link = tmp_path / "link"
    link.symlink_to(photos, target_is_directory=True)
    with Library(settings) as lib:
        assert lib.index([link]).indexed == 9
        assert lib.index(None).indexed == 0  # the re-scan of every folder adds nothing
        assert lib.index([photos / "red" / ".."]).indexed == 0
        assert [f["path"] for f in lib.folders()] == [str(photos)]
        assert lib.status()["files"] == 9
        under = lib.search("red", Filters(under=[str(link / "red")], limit=20))
        assert {Path(r.path).parent.name for r in under} == {"red"}
        similar = lib.similar(str(link / "red" / ".." / "red" / "red-0.png"), Filters(limit=20))
        assert str(photos / "red" / "red-0.png") not in {r.path for r in similar}
        lib.remove_folder(link)
        assert lib.status()["files"] == 0 and lib.folders() == []


def test_the_data_folder_inside_a_library_folder_is_never_indexed(
    settings: Settings, tmp_path: Path
) -> None:
    root = tmp_path / "home"
    make_photo(root / "photo.png", "green")
    settings.data_dir = root / "mmdesk-data"  # as on macOS, where it is not hidden
    settings.cache_override = None
    make_photo(settings.cache_dir / "thumbs" / "thumb.png", "red")
    make_photo(settings.user_plugin_dir / "some-plugin" / "icon.png", "red")
    make_photo(settings.backups_dir / "x.png", "red")
    with Library(settings) as lib:
        report = lib.index([root])
        assert (report.found, report.indexed) == (1, 1)


def test_a_moved_file_is_recognised_by_its_hash_without_decoding(
    settings: Settings, photos: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Library(settings) as lib:
        lib.index([photos])
        opened: list[str] = []
        original = media.decoders.ImageDecoder.open

        def counting(self: object, path: str) -> media.MediaStream:
            opened.append(path)
            return original(self, path)  # type: ignore[arg-type]

        monkeypatch.setattr(media.decoders.ImageDecoder, "open", counting)
        (photos / "green" / "green-1.png").rename(photos / "blue" / "was-green.png")
        make_photo(photos / "new.png", "red", seed=99)
        report = lib.index([photos])
    assert (report.moved, report.indexed) == (1, 1)
    assert opened == [str(photos / "new.png")]


def test_environment_failures_are_retried_next_run_content_ones_only_when_asked(
    settings: Settings, photos: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = str(photos / "red" / "red-0.png")
    broken = photos / "broken.png"
    broken.write_bytes(b"not a png at all")
    real_hash = prepare.hash_file

    def flaky(path: str) -> object:
        if str(path) == locked:
            raise PermissionError(13, "Permission denied")
        return real_hash(path)

    with Library(settings) as lib:
        monkeypatch.setattr(prepare, "hash_file", flaky)
        assert lib.index([photos]).errors == 2
        monkeypatch.setattr(prepare, "hash_file", real_hash)  # permission fixed; mtime unchanged
        second = lib.index([photos])
        assert (second.indexed, second.errors) == (1, 0)  # only the environmental failure
        assert dict(lib.errors()).get(locked) is None
        assert str(broken) in dict(lib.errors())
        job = IndexJob([photos], retry_failed=True)
        lib.run(job)
        assert (job.report.indexed, job.report.errors) == (0, 1)  # tried again, still broken


def test_a_second_indexer_is_told_the_library_is_busy(settings: Settings, photos: Path) -> None:
    with Library(settings) as lib:
        with library_lock(settings.db_path, purpose="indexing"):
            with pytest.raises(MmdeskError, match="indexing"):
                lib.index([photos])
        assert lib.index([photos]).indexed == 9


def test_a_folder_removed_during_indexing_leaves_no_searchable_orphans(
    settings: Settings, photos: Path
) -> None:
    from mmdesk.core.tasks import TaskState

    settings.batch_size = 2
    removed: list[bool] = []

    def remove_once(progress: object) -> None:
        if not removed and getattr(progress, "done", 0) >= 2:
            removed.append(True)
            with Library(settings) as other:
                other.remove_folder(photos)

    with Library(settings) as lib:
        lib.index([photos], TaskState(remove_once))
        assert removed and lib.status()["files"] == 0
        assert lib.search("red", Filters(limit=20)) == []


def test_look_ahead_is_bounded_by_segments_not_files(
    settings: Settings, photos: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[pipeline.Pipeline] = []
    original_run = pipeline.Pipeline.run

    def recording(self: pipeline.Pipeline) -> None:
        seen.append(self)
        original_run(self)

    monkeypatch.setattr(pipeline.Pipeline, "run", recording)
    monkeypatch.setattr(media.decoders.ImageDecoder, "estimate_segments", lambda s, p, n: 5)
    settings.batch_size = 4
    with Library(settings) as lib:
        assert lib.index([photos]).indexed == 9
    ahead = max(settings.batch_size * 2, 2 * 4)
    assert 0 < seen[0].peak_in_flight <= ahead - 1 + 5  # never more than one file past it


def test_similar_on_a_fifo_or_a_device_fails_at_once(settings: Settings, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.jpg"
    zero.symlink_to("/dev/zero")
    outcome: list[str] = []

    def attempt() -> None:
        with Library(settings) as lib:
            for target in (fifo, zero):
                try:
                    lib.similar(str(target))
                except MmdeskError as exc:
                    outcome.append(str(exc))

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(20)
    assert not worker.is_alive(), "similar hung on a FIFO or a device"
    assert len(outcome) == 2 and all("regular file" in o for o in outcome)


def test_date_sort_dates_files_without_exif_by_their_file_time(
    settings: Settings, tmp_path: Path
) -> None:
    from PIL import Image

    root = tmp_path / "dated"
    old_exif, new_plain, old_plain = root / "exif2001.jpg", root / "now.png", root / "1990.png"
    make_photo(old_exif.with_suffix(".tmp.png"), "red")
    image = Image.open(old_exif.with_suffix(".tmp.png"))
    exif = Image.Exif()
    exif[0x0132] = "2001:05:06 07:08:09"
    image.convert("RGB").save(old_exif, exif=exif)
    old_exif.with_suffix(".tmp.png").unlink()
    make_photo(new_plain, "red", seed=1)
    make_photo(old_plain, "red", seed=2)
    os.utime(old_plain, (631152000, 631152000))  # 1990
    with Library(settings) as lib:
        lib.index([root])
        order = [Path(r.path).name for r in lib.browse(Filters(limit=10))]
        searched = lib.search("red", Filters(limit=10, sort="date"))
    assert order == ["now.png", "exif2001.jpg", "1990.png"]
    assert [Path(r.path).name for r in searched] == order


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_a_palette_bomb_decodes_within_a_memory_bound(tmp_path: Path) -> None:
    code = f"""
from PIL import Image

def peak_kb():  # VmHWM starts afresh at exec, unlike ru_maxrss, which Linux carries over
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])

bomb = Image.new("P", (13000, 13000), 0)
bomb.putpalette([255, 0, 0] * 256)
bomb.info["transparency"] = 0
bomb.save({str(tmp_path / "bomb.png")!r}, transparency=0)
del bomb
before = peak_kb()
from mmdesk.core.media import read_image_file
decoded = read_image_file({str(tmp_path / "bomb.png")!r})
after = peak_kb()
print(before, after, decoded.image.size, decoded.meta["width"])
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    before, after, *_ = out.stdout.split()
    peak_mb = max(int(before), int(after)) / 1024
    assert (tmp_path / "bomb.png").stat().st_size < 2_000_000
    assert "13000" in out.stdout
    assert peak_mb < 900, f"decoding took {peak_mb:.0f} MB at peak (was 2.9 GB)"
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_a_bomb_is_refused_with_a_reason_and_no_raw_pillow_warning(tmp_path: Path) -> None:
    import warnings

    from PIL import Image

    big = tmp_path / "bomb.png"
    Image.new("1", (15000, 13000)).save(big)  # 195 M pixels: over the limit, tiny on disk
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(MmdeskError, match="decompression bomb guard"):
            media.read_image_file(big)
    assert [w for w in caught if "DecompressionBomb" in type(w.message).__name__] == []


def test_a_folder_left_scanning_by_a_killed_run_reads_interrupted(
    settings: Settings, photos: Path
) -> None:
    with Library(settings) as lib:
        lib.index([photos])
        [folder] = lib.folders()
        lib.store.set_folder_state(folder["id"], "scanning")  # as a kill -9 leaves it
        assert [f["state"] for f in lib.folders()] == ["interrupted"]
        with library_lock(settings.db_path):  # an indexer really is at work
            assert [f["state"] for f in lib.folders()] == ["scanning"]


def test_files_that_can_be_listed_but_not_reached_are_reported(
    settings: Settings, photos: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mmdesk.core.indexing import scan

    unreachable = str(photos / "blue" / "blue-2.png")
    real_stat = os.stat

    def stat(path: object, *args: object, **kwargs: object) -> os.stat_result:
        if str(path) == unreachable:  # a folder with read but no execute permission
            raise PermissionError(13, "Permission denied")
        return real_stat(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(scan.os, "stat", stat)
    with Library(settings) as lib:
        report = lib.index([photos])
    assert report.indexed == 8
    assert (unreachable, "cannot read: Permission denied") in report.problems
