"""The built-in viewer: Enter opens it, arrows step, Esc and Space go back, zoom and rotate."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from helpers import index_folder, open_window, wait_for
from mmdesk_testing import make_photo
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from mmdesk.gui.thumbs import Thumbnails

pytestmark = pytest.mark.gui


@pytest.fixture()
def wide_photos(tmp_path: Path) -> Path:
    """Three 120 x 60 photos: wide, so a quarter turn visibly swaps their sides."""
    root = tmp_path / "wide"
    for n, colour in enumerate(("red", "green", "blue")):
        make_photo(root / f"{n}-{colour}.png", colour, size=(120, 60), seed=n)
    return root


def browsing(qtbot, settings, folder: Path):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, folder)
    wait_for(qtbot, lambda: window.model.rowCount() == 3)
    window.view.setCurrentIndex(window.model.index(0))
    return window


def test_enter_opens_the_viewer_arrows_step_and_esc_returns(qtbot, settings, wide_photos):
    window = browsing(qtbot, settings, wide_photos)
    controller, grid = window.viewer, window.view
    assert not controller.is_open()
    qtbot.keyClick(grid, Qt.Key.Key_Return)
    assert controller.is_open()
    first = window.model.result(0)
    assert controller.viewer.result == first and "1 of 3" in controller.viewer.title.text()
    wait_for(qtbot, lambda: controller.viewer.canvas.pixmap.width() == 120)  # full resolution
    qtbot.keyClick(controller.viewer, Qt.Key.Key_Right)
    assert grid.currentIndex().row() == 1 and controller.viewer.result == window.model.result(1)
    qtbot.keyClick(controller.viewer, Qt.Key.Key_Right)
    qtbot.keyClick(controller.viewer, Qt.Key.Key_Right)  # stops at the last one
    assert grid.currentIndex().row() == 2
    qtbot.keyClick(controller.viewer, Qt.Key.Key_Left)
    assert grid.currentIndex().row() == 1
    qtbot.keyClick(controller.viewer, Qt.Key.Key_Escape)
    assert not controller.is_open() and grid.currentIndex().row() == 1
    assert window.focusWidget() is grid


def test_space_is_a_quick_look_that_space_closes(qtbot, settings, wide_photos):
    window = browsing(qtbot, settings, wide_photos)
    qtbot.keyClick(window.view, Qt.Key.Key_Space)
    assert window.viewer.is_open() and window.viewer.quick
    qtbot.keyClick(window.viewer.viewer, Qt.Key.Key_Space)
    assert not window.viewer.is_open()
    window.view.doubleClicked.emit(window.model.index(2))
    assert window.viewer.is_open() and window.viewer.viewer.result == window.model.result(2)


def test_zoom_fit_actual_and_wheel_change_the_scale(qtbot, settings, wide_photos):
    window = browsing(qtbot, settings, wide_photos)
    window.viewer.open()
    viewer = window.viewer.viewer
    wait_for(qtbot, lambda: viewer.canvas.pixmap.width() == 120)
    canvas = viewer.canvas
    assert canvas.fitting and canvas.shown_scale() == pytest.approx(1.0)  # small: never enlarged
    qtbot.keyClick(viewer, Qt.Key.Key_Plus)
    assert canvas.shown_scale() == pytest.approx(1.25) and not canvas.fitting
    centre = QPointF(canvas.width() / 2, canvas.height() / 2)
    wheel = QWheelEvent(
        centre, canvas.mapToGlobal(centre), QPoint(0, 0), QPoint(0, 120),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.ControlModifier,
        Qt.ScrollPhase.NoScrollPhase, False,
    )  # fmt: skip
    QApplication.sendEvent(canvas, wheel)
    assert canvas.shown_scale() == pytest.approx(1.25 * 1.25)
    qtbot.keyClick(viewer, Qt.Key.Key_1)
    assert canvas.shown_scale() == pytest.approx(1.0) and "100 %" in viewer.zoom_label.text()
    qtbot.keyClick(viewer, Qt.Key.Key_0)
    assert canvas.fitting


def test_rotating_stores_an_override_and_never_touches_the_file(qtbot, settings, wide_photos):
    window = browsing(qtbot, settings, wide_photos)
    result = window.model.result(0)
    before = hashlib.sha256(Path(result.path).read_bytes()).hexdigest()
    mtime = result.file.get("mtime_ns")
    old_key = Thumbnails.key(result.path, mtime)
    wait_for(qtbot, lambda: old_key in window.thumbs._pixmaps)
    assert window.thumbs._pixmaps[old_key].width() > window.thumbs._pixmaps[old_key].height()
    window.view.setCurrentIndex(window.model.index(0))
    window.view.selectionModel().select(
        window.model.index(0), window.view.selectionModel().SelectionFlag.ClearAndSelect
    )
    window.viewer.rotate(1)
    wait_for(qtbot, lambda: window.library.orientation_of(result.item_id) == 1)
    wait_for(qtbot, lambda: window.model.turns == {result.file["file_id"]: 1})
    new_key = Thumbnails.key(result.path, mtime, turns=1)
    wait_for(qtbot, lambda: new_key in window.previews._pixmaps)  # the preview turns it too
    assert new_key != old_key
    window.view.viewport().repaint()
    wait_for(qtbot, lambda: new_key in window.thumbs._pixmaps)
    turned = window.thumbs._pixmaps[new_key]
    assert turned.height() > turned.width()  # the thumbnail is upright as the person asked
    window.viewer.open()
    wait_for(qtbot, lambda: window.viewer.viewer.canvas.pixmap.height() == 120)
    window.viewer.rotate(-1)
    wait_for(qtbot, lambda: window.library.orientation_of(result.item_id) == 0)
    assert hashlib.sha256(Path(result.path).read_bytes()).hexdigest() == before
    assert Path(result.path).stat().st_mtime_ns == mtime


def test_the_viewer_stays_on_its_item_through_a_refresh_and_goes_full_screen(
    qtbot, settings, wide_photos
):
    window = browsing(qtbot, settings, wide_photos)
    window.viewer.open(row=1)
    shown = window.viewer.viewer.result
    with qtbot.waitSignal(window.results_shown, timeout=10_000):
        window.run_search()  # what every batch of a running index does
    qtbot.wait(50)
    assert window.viewer.is_open() and window.viewer.viewer.result == shown
    qtbot.keyClick(window.viewer.viewer, Qt.Key.Key_F)
    assert window.isFullScreen() and not window.menuBar().isVisible()
    qtbot.keyClick(window.viewer.viewer, Qt.Key.Key_Escape)
    assert not window.viewer.is_open() and not window.isFullScreen()
    assert window.menuBar().isVisible()
