"""Shared helpers for GUI tests: a window on an isolated data folder, waiting for indexing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QTreeWidgetItem

from mmdesk.config import Settings
from mmdesk.gui.window import MainWindow

INDEX_TIMEOUT_MS = 60_000


def open_window(qtbot, settings: Settings) -> MainWindow:
    """A shown window whose QSettings live in the test's data folder, never the user's."""
    qsettings = QSettings(str(settings.data_dir / "gui-test.ini"), QSettings.Format.IniFormat)
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
