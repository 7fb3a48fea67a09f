"""A hidden helper for documentation: grab the window once it has settled, then quit.

Used as ``MMDESK_SCREENSHOT=out.png mmdesk demo``: waits for indexing to end, runs a query
(``MMDESK_SCREENSHOT_QUERY``), selects the best hit so the preview is filled, optionally tags
it (``MMDESK_SCREENSHOT_TAG``), and saves ``window.grab()``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

if TYPE_CHECKING:
    from mmdesk.gui.window import MainWindow


def schedule_screenshot(window: MainWindow, out: Path, query: str | None = None) -> None:
    query = query or os.environ.get("MMDESK_SCREENSHOT_QUERY", "a cat")

    def when_idle() -> None:
        if window.runner.busy:
            QTimer.singleShot(300, when_idle)
            return
        window.results_shown.connect(lambda _: QTimer.singleShot(1500, select_and_grab))
        window.searchbar.set_query(query)
        window.searchbar.search_now()

    def select_and_grab() -> None:
        if window.model.rowCount():
            window.view.setCurrentIndex(window.model.index(0))
            tag = os.environ.get("MMDESK_SCREENSHOT_TAG")
            if tag:
                window.tag_selected(tag)
        QTimer.singleShot(1200, grab)

    def grab() -> None:
        window.grab().save(str(out))
        QApplication.instance().quit()  # type: ignore[union-attr]

    QTimer.singleShot(1500, when_idle)
