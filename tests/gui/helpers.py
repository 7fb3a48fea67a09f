"""Shared helpers for GUI tests: a window on an isolated data folder, waiting for indexing."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QTreeWidgetItem

from mmdesk.config import Settings
from mmdesk.core.jobs import Changes
from mmdesk.gui.window import MainWindow

INDEX_TIMEOUT_MS = 60_000


def open_window(qtbot, settings: Settings, *, watch: bool = False) -> MainWindow:
    """A shown window whose QSettings live in the test's data folder, never the user's. It
    does not watch its folders unless asked (tests/watch tests that): a watcher's index runs
    would refresh views under a test's feet."""
    qsettings = QSettings(str(settings.data_dir / "gui-test.ini"), QSettings.Format.IniFormat)
    if qsettings.value("watch/enabled") is None:
        qsettings.setValue("watch/enabled", watch)
    window = MainWindow(settings, qsettings)
    qtbot.addWidget(window)
    window.show()
    return window


def index_folder(qtbot, window: MainWindow, folder: Path) -> object:
    """Add a folder as a person would and wait until indexing ends; returns the report."""
    with qtbot.waitSignal(window.index_finished, timeout=INDEX_TIMEOUT_MS) as blocker:
        window.add_folder(folder)
    return blocker.args[0]


def search(qtbot, window: MainWindow, text: str) -> list[str]:
    """Type ``text`` into the search bar; returns the file names shown, best first."""

    def shown_for_text() -> None:
        assert text in window.message.text()

    window.searchbar.edit.clear()
    qtbot.keyClicks(window.searchbar.edit, text)
    qtbot.waitUntil(shown_for_text, timeout=20_000)
    return [Path(r.path).name for r in window.model.results()]


def tag_shown(qtbot, window: MainWindow, tag: str) -> None:
    """Select every result shown and tag them ``tag``, waiting until the sidebar has it."""
    window.view.selectAll()
    with qtbot.waitSignal(window.library_changed, timeout=10_000):
        window.tag_selected(tag)


def labels(section: QTreeWidgetItem) -> list[str]:
    """The texts of a sidebar section's entries."""
    return [c.text(0) for i in range(section.childCount()) if (c := section.child(i))]


def wait_for(qtbot, check: Callable[[], bool], timeout: int = 10_000) -> None:
    """Wait until ``check()`` holds: views refresh from Changes a moment after a write."""
    qtbot.waitUntil(lambda: bool(check()), timeout=timeout)


def many_photos(root: Path, count: int = 120) -> Path:
    """``count`` small red, green and blue photos, for runs long enough to pause or cancel."""
    from mmdesk_testing import make_photo

    for n in range(count):
        make_photo(root / f"p{n:03d}.png", ("red", "green", "blue")[n % 3], seed=n)
    return root


METRICS = {
    "accuracy": 0.95,
    "macro_f1": 0.9,
    "folds": 5,
    "per_tag": [
        {"tag": "sky", "precision": 1.0, "recall": 0.8, "f1": 0.889, "threshold": 0.42}
        | {"positives": 5, "negatives": 4}
    ],
    "modality_weight": {"image": 0.7, "caption": 0.3},
}


class FakeJob:
    """Any core Job: reports ``loss … val …`` per epoch and honours cancel at checkpoints."""

    name = "training"

    def __init__(self, tags: list[str], epochs: int = 5, pause_s: float = 0.0) -> None:
        self.tags, self.epochs, self.pause_s = tags, epochs, pause_s
        self.ran = 0
        self.result: SimpleNamespace | None = None

    def run(self, library, state) -> Changes:
        for epoch in range(1, self.epochs + 1):
            state.checkpoint()
            time.sleep(self.pause_s)
            state.report(epoch, self.epochs, message=f"loss {1 / epoch:.4f} val {1.2 / epoch:.4f}")
            self.ran = epoch
        self.result = SimpleNamespace(metrics=SimpleNamespace(to_json=lambda: METRICS))
        return Changes(tags=True)


def paint_tile(delegate: Any, data: dict[Any, Any], width: int, height: int) -> Any:
    """What ``delegate`` paints for one row whose roles hold ``data``, on white (a QImage)."""
    from PySide6.QtCore import QRect, QSize
    from PySide6.QtGui import QColor, QFontMetrics, QImage, QPainter
    from PySide6.QtWidgets import QApplication, QStyleOptionViewItem

    class Index:
        def data(self, role: Any) -> Any:
            return data.get(role)

    image = QImage(QSize(width, height), QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    option = QStyleOptionViewItem()
    option.rect = QRect(0, 0, width, height)
    option.fontMetrics = QFontMetrics(QApplication.font())
    option.palette = QApplication.palette()
    painter = QPainter(image)
    delegate.paint(painter, option, Index())
    painter.end()
    return image
