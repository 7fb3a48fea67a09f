"""The small seams every front end leans on: Changes, Settings, Filters, kinds, rank fusion."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

from mmdesk import kinds
from mmdesk.config import Settings
from mmdesk.core.jobs import Changes, run_job
from mmdesk.core.search import Filters
from mmdesk.core.search.fusion import rrf
from mmdesk.core.tasks import TaskState
from mmdesk.errors import ConfigError, MmdeskError


def test_changes_merge_and_say_whether_results_moved() -> None:
    assert not Changes()
    tagged = Changes(labels={3}, tags=True)
    merged = tagged | Changes(folders=True) | Changes(labels={4})
    assert merged.labels == {3, 4} and merged.folders and merged.tags
    assert merged.results  # labels change what a tag filter returns
    assert not Changes(folders=True, tags=True).results
    assert json.loads(json.dumps(merged.to_json()))["labels"] == [3, 4]


def test_a_job_reports_progress_and_partial_changes_through_its_state() -> None:
    seen: list[Changes] = []

    class Counting:
        name = "counting"

        def run(self, library: object, state: TaskState) -> Changes:
            for n in range(3):
                state.report(n + 1, 3)
                state.publish(Changes(items=True))
            return Changes(items=True, files=True)

    state = TaskState(on_changes=seen.append)
    result = run_job(None, Counting(), state)  # type: ignore[arg-type]
    assert result.files and len(seen) == 3 and state.last and state.last.fraction == 1.0


def test_settings_resolve_flags_over_environment_over_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MMDESK_DEVICE", raising=False)
    monkeypatch.delenv("MMDESK_THREADS", raising=False)
    monkeypatch.setenv("MMDESK_DATA_DIR", str(tmp_path / "env-data"))
    saved = Settings(data_dir=tmp_path / "d", device="cpu", threads=1, batch_size=7)
    saved.save()
    got = Settings.resolve({"data_dir": tmp_path / "d"})
    assert (got.device, got.threads, got.batch_size) == ("cpu", 1, 7)
    monkeypatch.setenv("MMDESK_DEVICE", "cuda")
    assert Settings.resolve({"data_dir": tmp_path / "d"}).device == "cuda"
    assert Settings.resolve({"data_dir": tmp_path / "d", "device": "auto"}).device == "auto"
    assert Settings.resolve({}).data_dir == tmp_path / "env-data"
    assert "MMDESK_DEVICE" in os.environ and os.environ["MMDESK_DEVICE"] == "cuda"  # untouched


def test_settings_refuse_empty_data_dir_and_clamp_threads(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="empty"):
        Settings.resolve({"data_dir": ""})
    many = Settings(data_dir=tmp_path, threads=1000)
    assert many.threads == (os.cpu_count() or 1) or many.threads < 1000
    assert many.notes and "1000" in many.notes[0]
    with pytest.raises(ConfigError):
        Settings(data_dir=tmp_path, device="tpu")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"limit": -1}, "limit"),
        ({"min_score": math.nan}, "minimum score"),
        ({"sort": "size"}, "sort"),
        ({"kinds": ["picture"]}, "unknown kind"),
    ],
)
def test_filters_refuse_bad_values_with_one_clear_message(kwargs: dict, message: str) -> None:
    with pytest.raises(MmdeskError, match=message):
        Filters(**kwargs)


def test_filters_canonicalise_folders(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "a")
    f = Filters(under=[str(tmp_path / "a" / "b" / ".."), str(link)]).item_filter()
    assert f.under == [str(tmp_path / "a"), str(tmp_path / "a")]


def test_kinds_map_files_to_items_to_modalities() -> None:
    assert kinds.file_kind("x/Holiday.JPG") == "image"
    assert kinds.file_kind("clip.mkv") == "video" and kinds.file_kind("a.m4a") == "audio"
    assert kinds.file_kind("notes.txt") is None
    for file_kind, items in kinds.ITEMS_OF_FILE.items():
        assert file_kind in kinds.FILE_KINDS
        assert all(kinds.MODALITY_OF_ITEM[i] in kinds.MODALITIES for i in items)
    with pytest.raises(ValueError, match="choose from"):
        kinds.check_file_kinds(["photo"])


def test_reciprocal_rank_fusion_rewards_agreement() -> None:
    fused = rrf([[1, 2, 3], [3, 1, 4]])
    assert [i for i, _ in fused][:2] == [1, 3]
    assert dict(fused)[4] == pytest.approx(1 / 63)
    assert rrf([]) == []
    fused = rrf([[1, 2, 3], [3, 1]], k=60)
    assert [i for i, _ in fused] == [1, 3, 2]
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 62)


def test_a_long_lived_library_keeps_backing_up_daily(
    settings: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mmdesk.core import library as library_module
    from mmdesk.core.library import Library

    clock = [1000.0]
    monkeypatch.setattr(library_module.time, "monotonic", lambda: clock[0])
    made: list[object] = []
    monkeypatch.setattr(library_module, "maybe_daily_backup", lambda *a: made.append(a))
    with Library(settings) as lib:  # type: ignore[arg-type]
        lib.daily_backup()
        lib.daily_backup()  # within the hour: no second look
        clock[0] += library_module.BACKUP_CHECK_S + 1
        lib.daily_backup()  # the app stayed open: look again (maybe_daily_backup decides)
    assert len(made) == 2
