"""The window stays responsive while the library changes: the sidebar's and the summary's
counts, SQL over the whole library, are read on the reader thread, not the GUI thread; and no
thread of the app is niced (one preempted while it holds the GIL would stall the window)."""

from __future__ import annotations

import os
import sys
import threading

import pytest
from helpers import index_folder, labels, open_window, wait_for

pytestmark = pytest.mark.gui

COUNTS = ("folders", "tags", "items_by_kind", "items_by_file_kind", "tag_colors")


def test_sidebar_and_summary_follow_changes_reading_off_the_gui_thread(
    qtbot, settings, photos, monkeypatch
):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos / "red")
    wait_for(qtbot, lambda: window.summary.text() == "3 items in 1 folder")
    on_gui_thread: list[str] = []
    for name in COUNTS:
        monkeypatch.setattr(window.library, name, lambda *_, n=name: on_gui_thread.append(n))
    blue = str((photos / "blue").resolve())
    with qtbot.waitSignal(window.library_changed, timeout=10_000):
        window.runner.write(lambda library: library.add_folder(blue))
    assert len(labels(window.sidebar.folders)) == 2
    assert window.summary.text() == "3 items in 2 folders"  # the same read as the sidebar's
    index_folder(qtbot, window, photos / "blue")
    wait_for(qtbot, lambda: window.summary.text() == "6 items in 2 folders")
    assert on_gui_thread == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="thread priorities: Linux")
def test_the_apps_threads_keep_the_windows_priority(qtbot, settings):
    from mmdesk.core.tasks import lower_thread_priority

    window = open_window(qtbot, settings)

    def niceness(_library: object = None) -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    ours = niceness()
    answers: list[int] = []
    window.runner.write(niceness, answers.append)
    window.runner.read(niceness, answers.append)
    window.runner.compute(niceness, answers.append)
    wait_for(qtbot, lambda: len(answers) == 3)
    assert answers == [ours] * 3
    lowered: list[int] = []
    worker = threading.Thread(target=lambda: (lower_thread_priority(5), lowered.append(niceness())))
    worker.start()
    worker.join()
    assert lowered == [ours]  # the core's decode threads ask for it: a no-op in the app
