"""The main window with the toy colour model: index, search, cancel, tag, similar, remove."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import index_folder, open_window, search
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
    folder = window.sidebar.folders.child(0)
    assert "(9, indexed)" in folder.text(0)


def test_cancel_mid_index_leaves_a_consistent_library(qtbot, settings, tmp_path):
    root = tmp_path / "many"
    for n in range(120):
        make_photo(root / f"p{n:03d}.png", ("red", "green", "blue")[n % 3], seed=n)
    settings.batch_size = 4
    window = open_window(qtbot, settings)
    window.runner.progress.connect(lambda p: p.done >= 8 and window.cancel_indexing())
    with qtbot.waitSignal(window.index_finished, timeout=60_000) as blocker:
        window.add_folder(root)
    report = blocker.args[0]
    assert report.cancelled and 0 < report.indexed < 120
    store = window.library.store
    files = store.scalar("SELECT COUNT(*) FROM files WHERE status='indexed'")
    items = store.scalar("SELECT COUNT(*) FROM items")
    vectors = store.scalar("SELECT COUNT(*) FROM embeddings")
    assert files == items == vectors == report.indexed
    assert f"({files}, incomplete)" in window.sidebar.folders.child(0).text(0)
    window.runner.progress.disconnect()
    window.runner.progress.connect(window._progress)
    with qtbot.waitSignal(window.index_finished, timeout=60_000) as blocker:
        window.index([str(root)])
    assert blocker.args[0].indexed == 120 - report.indexed
    assert store.scalar("SELECT COUNT(*) FROM embeddings") == 120


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
    store = window.library.store
    assert all(store.labels_for(r.item_id) == ["sky"] for r in selected)
    assert "sky  (3)" in window.sidebar.tags.child(0).text(0)
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
    with qtbot.waitSignal(window.results_shown, timeout=10_000, check_params_cb=lambda n: n == 3):
        window.remove_folder(str((photos / "red").resolve()), confirm=False)
    assert all("blue" in r.path for r in window.model.results())
    store = window.library.store
    assert store.scalar("SELECT COUNT(*) FROM files WHERE path LIKE '%/red/%'") == 0
    assert [Path(f["path"]).name for f in store.folders()] == ["blue"]


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
