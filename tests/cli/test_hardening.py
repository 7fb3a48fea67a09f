"""Odd input ends in one readable line; odd file names never break output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mmdesk_testing import make_photo

from mmdesk.cli import main
from mmdesk.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def _error(capsys: pytest.CaptureFixture[str], argv: list[str], status: int = 1) -> str:
    """Run a command that must fail; returns its single stderr line."""
    assert main(argv) == status
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mmdesk: error: "), err
    return lines[0]


def _indexed(photos: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["index", str(photos), "--json"]) == 0
    capsys.readouterr()


def test_output_into_a_closed_pipe_ends_quietly(settings: Settings, photos: Path) -> None:
    """`mmdesk ... --json | head -1`: no BrokenPipeError traceback, status 0 or 141."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "mmdesk", "status", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    proc.stdout.close()  # the reader is gone before mmdesk writes a byte
    _, err = proc.communicate(timeout=120)
    assert proc.returncode in (0, 141)
    assert b"Traceback" not in err and b"BrokenPipe" not in err, err.decode()


def test_empty_data_dir_is_an_error_and_creates_nothing(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    line = _error(capsys, ["--data-dir", "", "status"])
    assert "empty" in line
    assert list(work.iterdir()) == []


def test_index_of_a_missing_path_says_so(settings: Settings, tmp_path: Path, capsys) -> None:
    missing = tmp_path / "nonexistent"
    assert str(missing) in _error(capsys, ["index", str(missing)])


def test_tag_needs_a_name(settings: Settings, photos: Path, capsys) -> None:
    _indexed(photos, capsys)
    anchor = str(photos / "red" / "red-0.png")
    assert _error(capsys, ["tag", "add", "", anchor]) == "mmdesk: error: a tag needs a name"
    assert _error(capsys, ["tag", "add", "  ", "x"]) == "mmdesk: error: a tag needs a name"


def test_removing_an_unknown_tag_is_an_error(settings: Settings, photos: Path, capsys) -> None:
    _indexed(photos, capsys)
    anchor = str(photos / "red" / "red-0.png")
    assert "nosuchtag" in _error(capsys, ["tag", "remove", "nosuchtag", anchor])


def test_models_use_needs_a_name(settings: Settings, capsys) -> None:
    assert "models list" in _error(capsys, ["models", "use", ""])


@pytest.mark.parametrize(
    ("flag", "value", "words"), [("--limit", "-1", "limit"), ("--min-score", "nan", "score")]
)
def test_bad_filters_are_one_line_errors(
    settings: Settings, photos: Path, capsys, flag: str, value: str, words: str
) -> None:
    _indexed(photos, capsys)
    assert words in _error(capsys, ["search", "red", flag, value])


def test_usage_errors_are_one_line_with_status_2(settings: Settings, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["search", "red", "--limit", "many"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("mmdesk: error: argument --limit")


def test_too_many_threads_are_clamped_with_a_note(settings: Settings, capsys) -> None:
    assert main(["--threads", "1000", "status", "--json"]) == 0
    captured = capsys.readouterr()
    notes = [line for line in captured.err.splitlines() if line.startswith("mmdesk: note: ")]
    assert len(notes) == 1 and "1000" in notes[0]
    json.loads(captured.out)


def test_odd_file_names_keep_one_line_in_text_and_exactness_in_json(
    settings: Settings, tmp_path: Path, capsys
) -> None:
    root = tmp_path / "odd"
    newline = make_photo(root / "two\nlines.png", "red", seed=1)
    latin1 = make_photo(root / os.fsdecode(b"caf\xe9.png"), "red", seed=2)
    _indexed(root, capsys)

    assert main(["search", "red", "--json"]) == 0
    paths = {row["path"] for row in json.loads(capsys.readouterr().out)}
    assert paths == {str(newline), str(latin1)}  # lone surrogates survive the round trip

    assert main(["search", "red"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert any(line.endswith("two\u2424lines.png") for line in lines)
    assert any(line.endswith("caf\ufffd.png") for line in lines)


def test_odd_names_through_a_real_stdout(settings: Settings, tmp_path: Path, capsys) -> None:
    """The same in a subprocess: stdout is a pipe with its own encoding, nothing raises."""
    root = tmp_path / os.fsdecode(b"caf\xe9")
    make_photo(root / "red.png", "red", seed=2)
    _indexed(root, capsys)
    run = subprocess.run(
        [sys.executable, "-m", "mmdesk", "folders", "--json"],
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert run.returncode == 0, run.stderr.decode()
    assert json.loads(run.stdout)[0]["path"] == str(root)


def test_retry_failed_indexes_a_repaired_file(
    settings: Settings, photos: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file that failed is skipped while unchanged, unless --retry-failed asks again."""
    good = make_photo(photos / "red" / "late.png", "red", seed=9).read_bytes()
    target = photos / "red" / "late.png"
    target.write_bytes(b"\0" * len(good))
    stamp = target.stat().st_mtime_ns
    assert main(["index", str(photos), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["errors"] == 1

    target.write_bytes(good)  # repaired in place: same size, same time
    os.utime(target, ns=(stamp, stamp))
    assert main(["index", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["indexed"] == 0
    assert main(["index", "--retry-failed", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["indexed"] == 1 and report["errors"] == 0
