"""The problems view lists unreadable files with their reason; Retry after a fix indexes the file
(it leaves the list and is found), Show in folder opens its folder, Copy copies the list."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import index_folder, open_window, search, wait_for
from mmdesk_testing import make_photo
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices, QGuiApplication

from mmdesk.gui.problems import ProblemsDialog, show_problems

pytestmark = pytest.mark.gui


def _rows(dialog: ProblemsDialog) -> list[tuple[str, str]]:
    out = []
    for n in range(dialog.list.topLevelItemCount()):
        item = dialog.list.topLevelItem(n)
        assert item is not None
        out.append((Path(item.text(0)).name, item.text(1)))
    return out


@pytest.fixture()
def broken(photos: Path) -> Path:
    path = photos / "red" / "broken.jpg"
    path.write_bytes(b"these bytes are not a picture at all")
    return path


def test_an_unreadable_file_is_listed_and_a_fixed_one_leaves_on_retry(
    qtbot, settings, photos, broken
):
    window = open_window(qtbot, settings)
    assert index_folder(qtbot, window, photos).errors == 1
    dialog = show_problems(window)
    wait_for(qtbot, lambda: len(_rows(dialog)) == 1)
    ((name, reason),) = _rows(dialog)
    assert name == "broken.jpg" and reason  # the library's own words for what went wrong
    assert "1 file could not be read" in dialog.heading.text()
    assert not dialog.retry.isEnabled()  # nothing chosen yet
    make_photo(broken, "red", seed=99, fmt="JPEG")
    dialog.list.topLevelItem(0).setSelected(True)
    assert dialog.retry.isEnabled()
    with qtbot.waitSignal(window.index_finished, timeout=60_000) as finished:
        qtbot.mouseClick(dialog.retry, Qt.MouseButton.LeftButton)
    assert finished.args[0].indexed == 1 and finished.args[0].errors == 0
    wait_for(qtbot, lambda: _rows(dialog) == [])
    assert "No problems" in dialog.heading.text()
    dialog.close()
    assert "broken.jpg" in search(qtbot, window, "red")


def test_retry_of_a_file_still_broken_keeps_it_listed(qtbot, settings, photos, broken):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos)
    dialog = show_problems(window)
    wait_for(qtbot, lambda: len(_rows(dialog)) == 1)
    dialog.list.topLevelItem(0).setSelected(True)
    with qtbot.waitSignal(window.index_finished, timeout=60_000) as finished:
        dialog.retry_selected()
    assert finished.args[0].errors == 1  # tried again although unchanged
    qtbot.wait(300)
    assert [n for n, _ in _rows(dialog)] == ["broken.jpg"]
    dialog.close()


def test_show_in_folder_and_copy(qtbot, settings, photos, broken, monkeypatch):
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()))
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos)
    dialog = show_problems(window)
    wait_for(qtbot, lambda: len(_rows(dialog)) == 1)
    assert dialog.copy.isEnabled()
    qtbot.mouseClick(dialog.copy, Qt.MouseButton.LeftButton)
    text = QGuiApplication.clipboard().text()
    assert text.startswith(str(broken.resolve())) and "\t" in text
    dialog.list.topLevelItem(0).setSelected(True)
    qtbot.mouseClick(dialog.reveal, Qt.MouseButton.LeftButton)
    assert [Path(p) for p in opened] == [broken.resolve().parent]
    assert show_problems(window) is dialog  # opened again, not twice
    dialog.close()


def test_the_view_menu_opens_the_problems_view(qtbot, settings):
    window = open_window(qtbot, settings)
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    action = next(a for a in view_menu.actions() if a.text() == "P&roblems…")
    action.trigger()
    dialog = window.findChild(ProblemsDialog)
    assert dialog is not None and dialog.isVisible()
    wait_for(qtbot, lambda: "No problems" in dialog.heading.text())
    dialog.close()
