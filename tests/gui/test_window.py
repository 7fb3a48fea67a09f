"""The main window with the toy colour model: index, search, cancel, tag, similar, remove."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import index_folder, labels, many_photos, open_window, search, wait_for
from mmdesk_testing import make_photo
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

pytestmark = pytest.mark.gui


def test_index_then_search_shows_matching_photos_first(qtbot, settings, photos):
    window = open_window(qtbot, settings)
    report = index_folder(qtbot, window, photos)
    assert report.indexed == 9
    names = search(qtbot, window, "red")
    assert names and all(n.startswith("red") for n in names[:3])
    # the cutoff hides the weak matches, and says so
    assert len(names) == 3 and "weaker matches hidden" in window.message.text()
    wait_for(qtbot, lambda: "(9, indexed)" in " ".join(labels(window.sidebar.folders)))
    assert window.summary.text() == "9 items in 1 folder"


def test_cancel_mid_index_leaves_a_consistent_library(qtbot, settings, tmp_path):
    root = many_photos(tmp_path / "many")
    settings.batch_size = 4
    window = open_window(qtbot, settings)
    window.runner.progress.connect(lambda p: p.done >= 8 and window.cancel_indexing())
    with qtbot.waitSignal(window.index_finished, timeout=60_000) as blocker:
        window.add_folder(root)
    report = blocker.args[0]
    assert report.cancelled and 0 < report.indexed < 120
    status = window.library.status()
    vectors = sum(status["embeddings"].values())
    assert status["files"] == status["items"] == vectors == report.indexed
    wait_for(qtbot, lambda: f"({vectors}, incomplete)" in " ".join(labels(window.sidebar.folders)))
    window.runner.progress.disconnect()
    window.runner.progress.connect(window._progress)
    with qtbot.waitSignal(window.index_finished, timeout=60_000) as blocker:
        window.index([str(root)])
    assert blocker.args[0].indexed == 120 - report.indexed
    assert sum(window.library.status()["embeddings"].values()) == 120


def test_tagging_from_the_preview_labels_every_selected_item(qtbot, settings, photos):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos)
    search(qtbot, window, "blue")
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    selected = window.view.selected_results()
    assert len(selected) == 3
    with qtbot.waitSignal(window.library_changed, timeout=10_000):
        qtbot.keyClicks(window.preview.tag_edit, "sky")
        qtbot.keyClick(window.preview.tag_edit, Qt.Key.Key_Return)
    library = window.library
    assert all([x["name"] for x in library.labels_for(r.item_id)] == ["sky"] for r in selected)
    assert labels(window.sidebar.tags) == ["sky  (3)"]
    wait_for(qtbot, lambda: window.preview.tags.count() == 1)
    assert window.preview.tags.item(0).text() == "sky  (3/3)"
    assert window.preview.completions.stringList() == ["sky"]


def test_dropping_an_image_on_the_search_bar_finds_similar_photos(
    qtbot, settings, photos, tmp_path
):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos)
    example = make_photo(tmp_path / "elsewhere" / "green.jpg", "green", seed=99)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(example))])
    args = (
        QPoint(5, 5),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    enter = QDragEnterEvent(*args)
    QApplication.sendEvent(window.searchbar.edit, enter)
    assert enter.isAccepted()
    with qtbot.waitSignal(
        window.results_shown,
        timeout=20_000,
        check_params_cb=lambda n: "like green.jpg" in window.message.text(),
    ):
        QApplication.sendEvent(window.searchbar.edit, QDropEvent(*args))
    names = [Path(r.path).name for r in window.model.results()]
    assert names and all(n.startswith("green") for n in names)


def test_removing_a_folder_removes_its_items(qtbot, settings, photos):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos / "red")
    index_folder(qtbot, window, photos / "blue")
    wait_for(qtbot, lambda: window.model.rowCount() == 6)
    # no manual refresh: the removal's Changes empty the grid and sidebar of the folder
    with qtbot.waitSignal(window.results_shown, timeout=10_000, check_params_cb=lambda n: n == 3):
        window.remove_folder(str((photos / "red").resolve()), confirm=False)
    assert all("blue" in r.path for r in window.model.results())
    wait_for(qtbot, lambda: len(labels(window.sidebar.folders)) == 1)
    assert labels(window.sidebar.folders)[0].startswith("blue  (3,")
    assert window.library.status()["files"] == 3
    assert [Path(f["path"]).name for f in window.library.folders()] == ["blue"]


def test_window_state_and_last_query_persist(qtbot, settings):
    window = open_window(qtbot, settings)
    window.resize(760, 560)
    window.splitter.setSizes([150, 400, 210])
    window.searchbar.set_query("green")
    sizes = window.splitter.sizes()
    window.close()
    again = open_window(qtbot, settings)
    qtbot.waitExposed(again)
    assert again.searchbar.query() == "green"
    assert again.size().width() == 760
    restored = again.splitter.sizes()
    assert (restored[0], restored[2]) == (sizes[0], sizes[2])  # the grid takes what is left


def test_selecting_a_kind_in_the_sidebar_filters_by_file_kind(qtbot, settings, photos):
    from mmdesk.kinds import FILE_KINDS

    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos)
    wait_for(qtbot, lambda: window.sidebar.kinds.childCount() == 1)
    entry = window.sidebar.kinds.child(0)
    assert entry.text(0).startswith("Photos")
    entry.setSelected(True)
    assert window.sidebar.selected_kinds() == ["image"]
    assert set(window.sidebar.selected_kinds()) <= set(FILE_KINDS)
    names = search(qtbot, window, "red")
    assert names and all(n.startswith("red") for n in names)
