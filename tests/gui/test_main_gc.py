"""Python's collector runs on the GUI thread: automatic collection off, a timer collects."""

from __future__ import annotations

import gc
import weakref

from mmdesk.gui.main_gc import MainThreadCollector


class Cycle:
    """An object that refers to itself: freed only by a collection."""

    def __init__(self) -> None:
        self.me = self


def test_the_collector_turns_automatic_collection_off_and_frees_cycles_past_a_threshold(qtbot):
    collector = MainThreadCollector(every_ms=60_000)
    try:
        assert not gc.isenabled()
        cycle = Cycle()
        ref = weakref.ref(cycle)
        del cycle
        assert ref() is not None  # nothing collects it by itself now
        collector.thresholds = (0, 10**9, 10**9)  # generation 0 is past its threshold
        collector.check()
        assert ref() is None
    finally:
        collector.timer.stop()
        collector.deleteLater()
