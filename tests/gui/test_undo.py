"""Edit > Undo / Redo: tagging a selection, and removing a folder, come back exactly."""

from __future__ import annotations

import pytest
from helpers import index_folder, labels, open_window, wait_for
from PySide6.QtCore import Qt

from mmdesk.core.library import Library
from mmdesk.core.search import Filters

pytestmark = pytest.mark.gui
CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier


def _tagged(window, tag: str) -> set[int]:
    return {r.item_id for r in window.library.browse(Filters(tags=[tag], limit=50))}


def test_ctrl_z_undoes_tagging_the_selection_and_ctrl_shift_z_redoes_it(qtbot, settings, photos):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos / "red")
    wait_for(qtbot, lambda: window.model.rowCount() == 3)
    assert not window.undo.undo_action.isEnabled() and window.undo.undo_action.text() == "Undo"
    window.view.selectAll()
    window.label_selected("beach", "tag")
    wait_for(qtbot, lambda: labels(window.sidebar.tags) == ["beach  (3)"])
    assert window.undo.undo_action.text() == "Undo tag “beach” on 3 items"
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)
    wait_for(qtbot, lambda: labels(window.sidebar.tags) == ["none yet"])
    assert window.library.tags() == [] and "Undone: tag “beach”" in window.message.text()
    assert window.undo.redo_action.text() == "Redo tag “beach” on 3 items"
    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL | SHIFT)
    wait_for(qtbot, lambda: labels(window.sidebar.tags) == ["beach  (3)"])
    window.label_selected("beach", "untag")
    wait_for(qtbot, lambda: labels(window.sidebar.tags) == ["beach  (0)"])
    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)
    wait_for(qtbot, lambda: labels(window.sidebar.tags) == ["beach  (3)"])
    qtbot.keyClick(window.view, Qt.Key.Key_Y, CTRL)
    wait_for(qtbot, lambda: labels(window.sidebar.tags) == ["beach  (0)"])


def test_undoing_a_folder_removal_brings_its_items_back_with_their_tags(qtbot, settings, photos):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos / "red")
    index_folder(qtbot, window, photos / "blue")
    wait_for(qtbot, lambda: window.model.rowCount() == 6)
    red = sorted(r.item_id for r in window.model.results() if "/red/" in r.path)
    window.label_items(red, "warm")
    wait_for(qtbot, lambda: labels(window.sidebar.tags) == ["warm  (3)"])
    with qtbot.waitSignal(window.results_shown, timeout=10_000, check_params_cb=lambda n: n == 3):
        window.remove_folder(str((photos / "red").resolve()), confirm=False)
    wait_for(qtbot, lambda: window.undo.undo_action.text() == "Undo remove folder red")
    wait_for(qtbot, lambda: labels(window.sidebar.tags) == ["warm  (0)"])
    with qtbot.waitSignal(window.results_shown, timeout=10_000, check_params_cb=lambda n: n == 6):
        window.undo.stack.undo()
    assert _tagged(window, "warm") == set(red)
    wait_for(qtbot, lambda: len(labels(window.sidebar.folders)) == 2)
    wait_for(qtbot, lambda: labels(window.sidebar.tags) == ["warm  (3)"])
    with qtbot.waitSignal(window.results_shown, timeout=10_000, check_params_cb=lambda n: n == 3):
        window.undo.stack.redo()
    assert _tagged(window, "warm") == set()
    window.close()  # closing the library makes the removal final
    with Library(settings) as library:
        assert [f["path"] for f in library.folders()] == [str((photos / "blue").resolve())]
        assert library.store.scalar("SELECT COUNT(*) FROM labels") == 0
        assert library.store.scalar("SELECT COUNT(*) FROM files") == 3
