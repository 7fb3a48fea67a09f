"""The app watches its library folders: a new file is indexed without a rescan, and the
File menu toggle turns watching off (remembered)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mmdesk_testing import make_photo

from mmdesk.config import Settings

pytest.importorskip("pytestqt")


def open_window(qtbot, settings: Settings):  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QSettings

    from mmdesk.gui.window import MainWindow

    qsettings = QSettings(str(settings.data_dir / "gui-test.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings, qsettings)
    qtbot.addWidget(window)
    window.watching.options.quiet_s = 0.3
    window.show()
    return window


def test_the_app_indexes_a_new_file_in_a_watched_folder(
    qtbot, settings: Settings, photos: Path
) -> None:
    window = open_window(qtbot, settings)
    assert window.watching.action.isChecked()
    with qtbot.waitSignal(window.index_finished, timeout=60_000):
        window.add_folder(photos)
    qtbot.waitUntil(lambda: window.watching.watcher is not None, timeout=10_000)
    qtbot.waitUntil(lambda: bool(window.watching.watcher.roots), timeout=10_000)
    make_photo(photos / "new" / "arrived.png", "green", seed=5)
    qtbot.waitUntil(lambda: "Folders updated: 1 new" in window.message.text(), timeout=20_000)
    assert window.library.status()["files"] == 10
    window.watching.action.setChecked(False)
    assert window.watching.watcher is None
    assert window.qsettings.value("watch/enabled") in (False, "false")
    window.close()


def test_a_result_from_an_offline_folder_carries_a_badge() -> None:
    from mmdesk.core.search import Result
    from mmdesk.gui.results import badge

    row = {"item_id": 1, "path": "/media/usb/a.jpg", "kind": "image", "start": None, "end": None}
    away = Result.from_row({**row, "folder_state": "offline"}).because(["visual", "caption"])
    assert badge(away) == "offline · caption"
    assert badge(Result.from_row({**row, "folder_state": "indexed"})) == ""
