"""The CLI's stable, machine-readable output and its error handling."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mmdesk.cli import main
from mmdesk.config import Settings


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_index_search_status_json(
    settings: Settings, photos: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _json(capsys, ["index", str(photos), "--json"])
    assert report["indexed"] == 9 and report["errors"] == 0
    results = _json(capsys, ["search", "green", "--limit", "3", "--json"])
    assert len(results) == 3
    for row in results:
        assert {"path", "score", "kind", "start", "end"} <= row.keys()
        assert row["kind"] == "image" and row["start"] is None and row["end"] is None
        assert "/green/" in row["path"] and isinstance(row["score"], float)
    status = _json(capsys, ["status", "--json"])
    assert (status["files"], status["items"], status["errors"]) == (9, 9, 0)
    assert status["space"] == "toy-colours"


def test_similar_and_tags_from_the_cli(
    settings: Settings, photos: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["index", str(photos), "--json"])
    capsys.readouterr()
    anchor = photos / "blue" / "blue-2.png"
    similar = _json(capsys, ["similar", str(anchor), "--limit", "2", "--json"])
    assert all("/blue/" in r["path"] for r in similar)
    assert main(["tag", "add", "sky", str(anchor)]) == 0
    capsys.readouterr()
    tagged = _json(capsys, ["search", "red", "--tag", "sky", "--json"])
    assert [r["path"] for r in tagged] == [str(anchor)]
    assert _json(capsys, ["tag", "list", "--json"]) == [{"tag": "sky", "items": 1}]


def test_data_dir_option_isolates_libraries(
    settings: Settings, photos: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other-data"
    _json(capsys, ["--data-dir", str(other), "index", str(photos / "red"), "--json"])
    assert _json(capsys, ["--data-dir", str(other), "status", "--json"])["files"] == 3
    assert (other / "library.db").exists()


def test_plugins_lists_broken_ones_and_search_still_works(
    settings: Settings,
    photos: Path,
    toy_plugin_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    broken = settings.user_plugin_dir / "broken"
    shutil.copytree(toy_plugin_dir / "toy", broken)
    (broken / "plugin.toml").write_text("this is = not toml [")
    rows = _json(capsys, ["plugins", "--json"])
    by_ok = {r["ok"]: r for r in rows}
    assert by_ok[True]["id"] == "toy"
    assert "not valid TOML" in by_ok[False]["error"]
    main(["index", str(photos), "--json"])
    capsys.readouterr()
    assert _json(capsys, ["search", "red", "--json"])


def test_errors_are_one_readable_line_and_exit_1(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["search", "   "]) == 1
    err = capsys.readouterr().err
    assert err.startswith("mmdesk: error:") and "Traceback" not in err
    assert main(["models", "use", "no-such-space"]) == 1
    assert "not installed" in capsys.readouterr().err


def test_no_model_installed_says_how_to_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from mmdesk import config

    monkeypatch.setenv("MMDESK_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.delenv("MMDESK_PLUGIN_PATH", raising=False)
    monkeypatch.setattr(config, "BUNDLED_PLUGINS", tmp_path / "none")
    assert main(["search", "cat"]) == 1
    assert "mmdesk models build-default" in capsys.readouterr().err


def test_demo_without_display_indexes_the_sample_and_searches(
    default_settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("skimage")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    assert main(["demo"]) == 0
    captured = capsys.readouterr()
    assert "no display found" in captured.err
    lines = captured.out.splitlines()
    first_cat = lines[lines.index("mmdesk search 'a cat'") + 1]
    assert first_cat.rstrip().endswith("chelsea.jpg")
    assert (default_settings.data_dir / "sample-library" / "pets" / "chelsea.jpg").exists()


def test_index_without_paths_rescans_the_library_folders(
    settings: Settings, photos: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mmdesk_testing import make_photo

    assert main(["index"]) == 1
    assert "no library folders yet" in capsys.readouterr().err
    assert _json(capsys, ["index", str(photos), "--json"])["indexed"] == 9
    make_photo(photos / "red" / "new.png", "red", seed=50)
    report = _json(capsys, ["index", "--json"])
    assert (report["indexed"], report["skipped"]) == (1, 9)
