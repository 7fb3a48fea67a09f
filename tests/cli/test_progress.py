"""Jobs run from the CLI show progress as a bar, as JSON lines, or not at all."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from mmdesk.cli import main
from mmdesk.cli.progress import JsonLines, run_with_progress
from mmdesk.config import Settings
from mmdesk.core.jobs import Changes
from mmdesk.core.tasks import Progress, TaskState


class CountJob:
    """A job that reports ``steps`` steps of progress."""

    name = "counting"

    def __init__(self, steps: int = 5) -> None:
        self.steps = steps

    def run(self, library: object, state: TaskState) -> Changes:
        for done in range(1, self.steps + 1):
            state.report(done, self.steps)
        return Changes(items=True)


class FakeLibrary:
    """Only what run_with_progress needs: ``run(job, state)``."""

    def run(self, job: CountJob, state: TaskState | None = None) -> Changes:
        return job.run(self, state or TaskState())


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_json_progress_is_one_object_per_line_ending_at_the_total(capsys) -> None:
    changes = run_with_progress(FakeLibrary(), CountJob(5), as_json=True)  # type: ignore[arg-type]
    assert changes.items
    lines = [json.loads(x) for x in capsys.readouterr().err.splitlines()]
    assert lines and all(set(x) == {"job", "done", "total", "rate", "eta"} for x in lines)
    assert lines[0]["job"] == "counting"
    assert (lines[-1]["done"], lines[-1]["total"], lines[-1]["eta"]) == (5, 5, 0.0)
    assert len(lines) < 5  # throttled: not every step


def test_json_progress_is_throttled_but_keeps_the_last_snapshot(capsys) -> None:
    shower = JsonLines("job", clock=lambda: 0.0)
    for done in range(3):
        shower.show(Progress(done, 10))
    shower.close(Progress(7, 10))
    sent = [json.loads(x)["done"] for x in capsys.readouterr().err.splitlines()]
    assert sent == [0, 7]


def test_progress_is_quiet_when_stderr_is_not_a_terminal(capsys) -> None:
    run_with_progress(FakeLibrary(), CountJob(), as_json=False)  # type: ignore[arg-type]
    assert capsys.readouterr().err == ""


def test_a_terminal_gets_a_bar_with_done_total_and_rate(monkeypatch) -> None:
    tty = Tty()
    monkeypatch.setattr(sys, "stderr", tty)
    run_with_progress(FakeLibrary(), CountJob(5), as_json=False)  # type: ignore[arg-type]
    text = tty.getvalue()
    assert "counting" in text and "5/5" in text and "it/s" in text


def test_index_json_reports_progress_on_stderr(
    settings: Settings, photos: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["index", str(photos), "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["indexed"] == 9
    progress = [json.loads(x) for x in captured.err.splitlines()]
    assert progress and progress[-1]["job"] == "indexing"
    assert progress[-1]["done"] == progress[-1]["total"]


def test_models_use_runs_the_switch_as_a_job(
    settings: Settings, photos: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mmdesk_testing import build_toy_plugin

    assert main(["models", "use", "toy-colours"]) == 0  # chosen before a second one arrives
    assert main(["index", str(photos), "--json"]) == 0
    build_toy_plugin(settings.user_plugin_dir / "toy2", plugin_id="toy2", space="toy2-colours")
    capsys.readouterr()
    assert main(["models", "use", "toy2-colours", "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == "active space: toy2-colours"
    progress = [json.loads(x) for x in captured.err.splitlines()]
    assert progress[-1]["job"] == "switching model" and progress[-1]["done"] == 9
