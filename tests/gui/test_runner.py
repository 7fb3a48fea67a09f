"""The task runner: keyed reads drop stale answers, writes report Changes on the GUI thread,
short writes run inside a paused job's checkpoints."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication

from mmdesk.core.jobs import Changes
from mmdesk.gui.tasks import TaskRunner

pytestmark = pytest.mark.gui


class Steps:
    """A core job of ``count`` checkpointed steps, publishing what each step changed."""

    name = "steps"

    def __init__(self, count: int) -> None:
        self.count = count
        self.done = 0

    def run(self, library: object, state) -> Changes:
        for step in range(self.count):
            state.checkpoint()
            self.done = step + 1
            state.report(self.done, self.count)
            state.publish(Changes(labels={step}))
        return Changes(folders=True)


@pytest.fixture()
def runner(settings):
    runner = TaskRunner(settings)
    yield runner
    runner.shutdown()


def _reads(started: threading.Event, release: threading.Event, ran: list[str]):
    def read(name: str, block: bool = False):
        def fn(library: object) -> str:
            ran.append(name)
            if block:
                started.set()
                release.wait(5)
            return name

        return fn

    return read


def test_three_quick_reads_with_one_key_answer_only_the_last(qtbot, runner):
    started, release, ran, answered = threading.Event(), threading.Event(), [], []
    read = _reads(started, release, ran)
    runner.read(read("busy", block=True))  # holds the reader, so the next three queue up
    assert started.wait(5)
    for name in ("a", "b", "c"):
        runner.read(read(name), answered.append, key="search")
    release.set()
    qtbot.waitUntil(lambda: answered == ["c"], timeout=5_000)
    qtbot.wait(100)
    assert answered == ["c"] and ran == ["busy", "c"]  # the older two never ran


def test_a_running_read_superseded_by_a_newer_one_is_not_answered(qtbot, runner):
    started, release, ran, answered = threading.Event(), threading.Event(), [], []
    read = _reads(started, release, ran)
    runner.read(read("old", block=True), answered.append, key="search")
    assert started.wait(5)
    runner.read(read("new"), answered.append, key="search")
    release.set()
    qtbot.waitUntil(lambda: answered == ["new"], timeout=5_000)
    qtbot.wait(100)
    assert answered == ["new"] and ran == ["old", "new"]


def test_changes_from_writes_and_running_jobs_reach_the_gui_thread(qtbot, runner):
    seen: list[tuple[Changes, bool]] = []
    gui = QApplication.instance().thread()
    runner.changed.connect(lambda c: seen.append((c, QThread.currentThread() is gui)))
    with qtbot.waitSignal(runner.busy_changed, timeout=5_000, check_params_cb=lambda b: not b):
        runner.run_job(Steps(3))
    with qtbot.waitSignal(runner.changed, timeout=5_000):
        runner.write(lambda library: Changes(tags=True))
    runner.write(lambda library: None)  # not a Changes: nothing to tell the views
    qtbot.wait(100)
    assert [c for c, _ in seen] == [
        Changes(labels={0}),
        Changes(labels={1}),
        Changes(labels={2}),
        Changes(folders=True),
        Changes(tags=True),
    ]
    assert all(on_gui for _, on_gui in seen)


def test_a_short_write_runs_inside_a_paused_job(qtbot, runner):
    job = Steps(50)
    state = runner.run_job(job)
    state.pause()
    written: list[bool] = []
    runner.write(lambda library: Changes(tags=True), lambda _: written.append(runner.busy))
    qtbot.waitUntil(lambda: written == [True], timeout=5_000)
    assert job.done < 50 and state.paused
    with qtbot.waitSignal(runner.busy_changed, timeout=5_000):
        runner.resume()
    assert job.done == 50
