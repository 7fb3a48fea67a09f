"""``mmdesk watch``: runs, indexes what changes (JSON lines), stops by itself or on a signal."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from mmdesk_testing import make_photo

from mmdesk.cli import main
from mmdesk.config import Settings
from mmdesk.core.library import Library


def lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_watch_needs_a_library_folder(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["watch", "--for", "0.1"]) == 1
    assert "no library folders yet" in capsys.readouterr().err


def test_watch_indexes_a_new_file_and_stops_after_its_time(
    settings: Settings, photos: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Library(settings) as lib:
        lib.index([photos])
    writer = threading.Timer(0.8, lambda: make_photo(photos / "late.png", "green", seed=7))
    writer.start()
    argv = ["watch", "--json", "--for", "5", "--quiet", "0.3", "--poll", "--poll-every", "0.1"]
    assert main(argv) == 0
    writer.join()
    events = lines(capsys.readouterr().out)
    assert events[0]["event"] == "watching" and events[-1] == {"event": "stopped"}
    runs = [e for e in events if e["event"] == "indexed"]
    assert runs[0]["rescanned"] and runs[0]["indexed"] == 0  # the light scan at start
    assert sum(int(str(e["indexed"])) for e in runs) == 1
    with Library(settings) as lib:
        assert lib.status()["files"] == 10


def test_ctrl_c_stops_watch_cleanly(settings: Settings, photos: Path, tmp_path: Path) -> None:
    with Library(settings) as lib:
        lib.add_folder(photos)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    proc = subprocess.Popen(
        [sys.executable, "-m", "mmdesk", "watch", "--no-initial-scan", "--poll"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    assert first.startswith("watching 1 folders")
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert out.strip().endswith("stopped watching")


def test_a_busy_library_is_reported_and_the_batch_tried_again(
    settings: Settings,
    photos: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from contextlib import ExitStack

    from mmdesk.cli import watch_cmds
    from mmdesk.store.lock import library_lock

    with Library(settings) as lib:
        lib.add_folder(photos)
    monkeypatch.setattr(watch_cmds, "RETRY_FIRST_S", 0.2)
    held = ExitStack()
    held.enter_context(library_lock(settings.db_path))  # another mmdesk is indexing
    releaser = threading.Timer(1.0, held.close)
    releaser.start()
    assert main(["watch", "--json", "--for", "3.5", "--quiet", "0.1", "--poll"]) == 0
    releaser.join()
    events = [e["event"] for e in lines(capsys.readouterr().out)]
    assert "error" in events and events.index("error") < events.index("indexed")
    with Library(settings) as lib:
        assert lib.status()["files"] == 9  # the start's scan ran once the library was free
