"""``mmdesk search`` and ``similar`` end their process as soon as their output is out: the same
output and status as a normal exit, a closed pipe still ends quietly, and nothing is cut short
while another thread runs or a profiler waits to write."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import mmdesk.cli as cli
from mmdesk.config import Settings
from mmdesk.core.library import Library

ROOT = Path(__file__).resolve().parents[2]
NORMAL_EXIT = "import sys; from mmdesk.cli import main; sys.exit(main(sys.argv[1:]))"


def _both(argv: list[str]) -> tuple[subprocess.CompletedProcess[str], ...]:
    """``argv`` run by the console entry point (quick exit) and by ``main`` (a normal exit)."""
    quick = [sys.executable, "-m", "mmdesk", *argv]
    normal = [sys.executable, "-c", NORMAL_EXIT, *argv]
    return tuple(
        subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300)
        for cmd in (quick, normal)
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["search", "red", "--local", "--json"],
        ["search", "a red photo", "--local", "--limit", "2"],
        ["similar", "1", "--local", "--json"],
        ["search", "red", "--local", "--limit", "-1"],  # refused: status 1
    ],
)
def test_a_quick_exit_gives_the_same_output_and_status(
    settings: Settings, photos: Path, argv: list[str]
) -> None:
    with Library(settings) as lib:
        assert lib.index([photos]).indexed == 9
    quick, normal = _both(argv)
    assert quick.returncode == normal.returncode
    assert (quick.stdout, quick.stderr) == (normal.stdout, normal.stderr)
    if quick.returncode == 0:
        assert quick.stdout.strip()


def test_a_closed_pipe_still_ends_quietly(settings: Settings, photos: Path) -> None:
    with Library(settings) as lib:
        lib.index([photos])
    proc = subprocess.Popen(
        [sys.executable, "-m", "mmdesk", "search", "red", "--local", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    proc.stdout.close()  # the reader is gone before mmdesk writes a byte
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == cli.EXIT_BROKEN_PIPE
    assert b"Traceback" not in err and b"BrokenPipe" not in err, err.decode()


class Exited(Exception):
    pass


@pytest.fixture()
def exits(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The statuses ``os._exit`` was called with (it raises instead of ending pytest)."""
    called: list[int] = []

    def fake_exit(status: int) -> None:
        called.append(status)
        raise Exited

    monkeypatch.setattr(os, "_exit", fake_exit)
    monkeypatch.setattr(sys, "gettrace", lambda: None)  # as if no coverage tool were tracing
    monkeypatch.setattr(sys, "getprofile", lambda: None)
    return called


def test_a_quick_exit_waits_for_running_threads(exits: list[int]) -> None:
    with pytest.raises(Exited):
        cli._exit_now(3)
    assert exits == [3]
    release = threading.Event()
    worker = threading.Thread(target=release.wait)
    worker.start()
    try:
        cli._exit_now(0)  # returns: the interpreter's exit will wait for the worker
    finally:
        release.set()
        worker.join()
    assert exits == [3]


def test_no_quick_exit_under_a_profiler(exits: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "getprofile", lambda: object())
    cli._exit_now(0)
    assert exits == []


def test_only_marked_commands_exit_at_once(
    settings: Settings, exits: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["status", "--json"], exit_at_once=True) == 0  # not marked: returns
    assert cli.main(["search", "red", "--local"]) == 0  # not from the console entry point
    with pytest.raises(Exited):
        cli.main(["search", "red", "--local"], exit_at_once=True)
    assert exits == [0]
    capsys.readouterr()
