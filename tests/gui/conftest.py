"""GUI test hygiene: no QThread left running, no pool work left, no top-level widget leaked.

Like napari's ``_dangling_qthreads``: QThread.start is wrapped to remember every thread a test
starts, and each must have finished by the end of the test.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from weakref import WeakKeyDictionary

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")


@pytest.fixture(autouse=True)
def _dangling_qthreads(monkeypatch: pytest.MonkeyPatch, qapp: object) -> Iterator[None]:
    from PySide6.QtCore import QThread

    started: WeakKeyDictionary[QThread, str] = WeakKeyDictionary()
    original = QThread.start

    def start(self: QThread, *args: object) -> None:
        started[self] = "".join(traceback.format_stack(limit=6)[:-1])
        original(self, *args)

    monkeypatch.setattr(QThread, "start", start)
    yield
    running = []
    for thread, where in list(started.items()):
        try:
            if thread.isRunning():
                running.append(where)
        except RuntimeError:  # the C++ object is already gone: not running
            continue
    assert not running, "QThreads left running, started at:\n" + "\n".join(running)


@pytest.fixture(autouse=True)
def _leaked_widgets(qapp: object) -> Iterator[None]:
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    before = set(QApplication.topLevelWidgets())
    yield
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QApplication.processEvents()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    leaked = [w for w in QApplication.topLevelWidgets() if w not in before]
    assert not leaked, f"top-level widgets leaked: {[type(w).__name__ for w in leaked]}"
