"""An empty grid says why and what to do: an empty library offers "Add a folder…", a drop zone
and the sample library; folders still being indexed say so; filters that match nothing offer
"Clear filters"."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import index_folder, open_window, tag_shown, wait_for
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

pytestmark = pytest.mark.gui


def test_an_empty_library_says_how_to_start_and_adding_a_folder_fills_the_grid(
    qtbot, settings, photos, monkeypatch
):
    window = open_window(qtbot, settings)
    empty = window.view.empty
    wait_for(qtbot, lambda: empty.isVisible())
    assert "Your library is empty" in empty.text.text()
    assert empty.add_button.isVisible() and empty.sample_button.isVisible()
    assert empty.hint.isVisible() and "drop a folder here" in empty.hint.text()
    assert not empty.button.isVisible()
    assert empty.geometry() == window.view.viewport().rect()  # covers the grid
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(photos))
    with qtbot.waitSignal(window.index_finished, timeout=60_000):
        qtbot.mouseClick(empty.add_button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, lambda: window.model.rowCount() == 9)
    assert not empty.isVisible()


def test_try_the_sample_library_adds_and_indexes_it(qtbot, settings):
    pytest.importorskip("skimage")
    window = open_window(qtbot, settings)
    wait_for(qtbot, lambda: window.view.empty.sample_button.isVisible())
    with qtbot.waitSignal(window.index_finished, timeout=120_000) as finished:
        qtbot.mouseClick(window.view.empty.sample_button, Qt.MouseButton.LeftButton)
    assert finished.args[0].indexed > 0
    sample = settings.data_dir / "sample-library"
    assert [Path(p) for p in window.library.library_roots()] == [sample.resolve()]
    wait_for(qtbot, lambda: window.model.rowCount() > 0)
    assert not window.view.empty.isVisible()


def test_folders_being_indexed_say_so_and_a_folder_of_nothing_says_that(
    qtbot, settings, photos, tmp_path
):
    window = open_window(qtbot, settings)
    empty = window.view.empty
    wait_for(qtbot, lambda: empty.isVisible())
    window.add_folder(photos)
    window.toggle_pause()  # hold the run before it writes anything
    wait_for(qtbot, lambda: "Indexing is under way" in empty.text.text())
    assert not empty.add_button.isVisible()
    with qtbot.waitSignal(window.index_finished, timeout=60_000):
        window.toggle_pause()
    wait_for(qtbot, lambda: window.model.rowCount() == 9 and not empty.isVisible())
    window.remove_folder(str(photos.resolve()), confirm=False)
    nothing = tmp_path / "nothing"
    nothing.mkdir()
    index_folder(qtbot, window, nothing)
    wait_for(qtbot, lambda: "No photos, videos or sounds found" in empty.text.text())
    assert empty.button.isVisible() and empty.button.text() == "Re-scan folders"


def test_filters_that_match_nothing_offer_to_clear_them(qtbot, settings, photos):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos / "red")
    wait_for(qtbot, lambda: window.model.rowCount() == 3)
    tag_shown(qtbot, window, "sky")
    with qtbot.waitSignal(window.index_finished, timeout=60_000):
        window.add_folder(photos / "blue")
    wait_for(
        qtbot, lambda: window.model.rowCount() == 6 and window.sidebar.folders.childCount() == 2
    )
    blue = next(
        window.sidebar.folders.child(n)
        for n in range(2)
        if "blue" in window.sidebar.folders.child(n).text(0)
    )
    blue.setSelected(True)
    with qtbot.waitSignal(window.results_shown, timeout=10_000, check_params_cb=lambda n: n == 0):
        window.sidebar.tags.child(0).setSelected(True)  # blue photos tagged sky: none
    empty = window.view.empty
    assert empty.isVisible() and "Nothing matches these filters" in empty.text.text()
    assert empty.button.text() == "Clear filters"
    with qtbot.waitSignal(window.results_shown, timeout=10_000, check_params_cb=lambda n: n == 6):
        qtbot.mouseClick(empty.button, Qt.MouseButton.LeftButton)
    assert not empty.isVisible()
    assert window.sidebar.selected_tags() == [] and window.sidebar.selected_folders() == []
