"""`tag show` reports each file's tags; backup, restore and status's last backup."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mmdesk.cli import main
from mmdesk.config import Settings


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]):
    assert main(argv) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


@pytest.fixture()
def tagged(settings: Settings, photos: Path, capsys: pytest.CaptureFixture[str]) -> list[Path]:
    """The photos indexed; red-0 tagged "warm" and "red", blue-2 untagged."""
    assert main(["index", str(photos), "--json"]) == 0
    red, blue = photos / "red" / "red-0.png", photos / "blue" / "blue-2.png"
    assert main(["tag", "add", "warm", str(red)]) == 0
    assert main(["tag", "add", "red", str(red)]) == 0
    capsys.readouterr()
    return [red, blue]


def test_tag_show_json_lists_each_path_with_its_tags(
    tagged: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    red, blue = tagged
    rows = _json(capsys, ["tag", "show", str(red), str(blue), "--json"])
    assert [r["path"] for r in rows] == [str(red), str(blue)]
    assert sorted(t["name"] for t in rows[0]["tags"]) == ["red", "warm"]
    assert {t["source"] for t in rows[0]["tags"]} == {"user"}
    assert all(set(t) == {"name", "source", "score"} for t in rows[0]["tags"])
    assert rows[1]["tags"] == []


def test_tag_show_text_is_one_line_per_path(
    tagged: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    red, blue = tagged
    assert main(["tag", "show", str(red), str(blue)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{red}: ") and "warm" in lines[0] and "red" in lines[0]
    assert lines[1] == f"{blue}: (no tags)"


def test_tag_remove_takes_a_tag_off(tagged: list[Path], capsys) -> None:
    red, _ = tagged
    assert main(["tag", "remove", "warm", str(red)]) == 0
    capsys.readouterr()
    rows = _json(capsys, ["tag", "show", str(red), "--json"])
    assert [t["name"] for t in rows[0]["tags"]] == ["red"]


def test_source_names_are_the_stable_three() -> None:
    from mmdesk.cli.tag_cmds import source_kind

    assert [source_kind(s) for s in ("user", "classifier:fusion", "not")] == [
        "user",
        "predicted",
        "not",
    ]


def test_backup_list_restore_and_status(
    settings: Settings, tagged: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    red, _ = tagged
    made = Path(_json(capsys, ["backup", "--json"])["path"])
    assert made.is_file() and made.parent == settings.backups_dir
    listed = _json(capsys, ["backup", "--list", "--json"])
    mine = next(b for b in listed if Path(b["path"]) == made)
    assert (mine["reason"], mine["labels"]) == ("manual", 2) and mine["size"] > 0
    last = _json(capsys, ["status", "--json"])["last_backup"]
    assert Path(last["path"]) == made and last["reason"] == "manual" and last["created"]

    assert main(["tag", "remove", "warm", str(red)]) == 0
    assert main(["restore", str(made)]) == 1  # asks first
    assert "--yes" in capsys.readouterr().err
    report = _json(capsys, ["restore", made.name, "--yes", "--json"])
    assert report["labels"] == 2 and Path(report["restored_from"]) == made
    assert main(["index", "--json"]) == 0
    capsys.readouterr()
    rows = _json(capsys, ["tag", "show", str(red), "--json"])
    assert sorted(t["name"] for t in rows[0]["tags"]) == ["red", "warm"]


def test_restore_takes_the_newest_backup_by_default(
    settings: Settings, tagged: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    made = Path(_json(capsys, ["backup", "--json"])["path"])
    report = _json(capsys, ["restore", "--yes", "--json"])
    assert Path(report["restored_from"]) == made and report["moved_aside"]


def test_status_text_says_when_the_last_backup_was_made(
    settings: Settings, photos: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status"]) == 0  # a fresh library: nothing written, nothing backed up
    assert "last backup: never" in capsys.readouterr().out
    assert main(["index", str(photos), "--json"]) == 0
    assert main(["backup", "--reason", "before-trip"]) == 0
    capsys.readouterr()
    assert main(["status"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("last backup"))
    assert line.endswith("(before-trip)") and "never" not in line


def test_restore_of_an_unknown_backup_is_an_error(settings: Settings, capsys) -> None:
    assert main(["restore", "nope.db", "--yes"]) == 1
    assert capsys.readouterr().err.startswith("mmdesk: error: no backup nope.db")
