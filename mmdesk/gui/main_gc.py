"""Python's garbage collector runs on the GUI thread only.

Left automatic, the collector runs in whichever thread happens to allocate when a threshold is
crossed: the writer, the reader or a thumbnail thread. Collecting a cycle that holds a Qt
object there destroys it off the GUI thread, where its destructor takes Qt's connection lock
and then waits for the GIL, while the GUI thread holds the GIL and waits for that lock: both
stop for good (seen as a hung test). As pyqtgraph's ``GarbageCollector`` does, the automatic
collector is turned off and a timer on the GUI thread collects each generation when its
threshold is crossed, so cycles are freed as before, always on the GUI thread.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

CHECK_EVERY_MS = 1000


class MainThreadCollector(QObject):
    """Disables automatic collection; collects on its own (GUI) thread's timer."""

    def __init__(self, parent: QObject | None = None, every_ms: int = CHECK_EVERY_MS) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(every_ms)

    def check(self) -> None:
        """Collect the oldest generation whose count passed its threshold (as gc would)."""
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self.thresholds[generation]:
                gc.collect(generation)
                return


def install(app: QObject) -> MainThreadCollector:
    """Collect garbage on ``app``'s thread from now on (once per application)."""
    found = app.findChild(MainThreadCollector)
    return found if isinstance(found, MainThreadCollector) else MainThreadCollector(app)
