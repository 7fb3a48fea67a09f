"""Views follow the library from Changes: pausing an index run, a tag written during one, a tag
filter that updates itself. No test calls a view's refresh by hand."""

from __future__ import annotations

import pytest
from helpers import index_folder, labels, many_photos, open_window, search, tag_shown, wait_for
from PySide6.QtCore import Qt

pytestmark = pytest.mark.gui


def _pause_at(window, done: int) -> list[int]:
    """Pause the run once, when it has done ``done``; returns every progress count seen."""
    seen: list[int] = []

    def on_progress(progress) -> None:
        seen.append(progress.done)
        if progress.done >= done and not window.runner.paused and len(seen) == _first(seen, done):
            window.toggle_pause()

    window.runner.progress.connect(on_progress)
    return seen


def _first(seen: list[int], done: int) -> int:
    """How many progress reports had come when the run first reached ``done``."""
    return next(n for n, value in enumerate(seen, 1) if value >= done)


def test_pausing_an_index_run_holds_its_progress_until_resumed(qtbot, settings, tmp_path):
    root = many_photos(tmp_path / "many")
    settings.batch_size = 4
    window = open_window(qtbot, settings)
    seen = _pause_at(window, 8)
    window.add_folder(root)
    wait_for(qtbot, lambda: window.runner.paused)
    qtbot.wait(500)  # what was in flight when the pause came lands
    held = len(seen)
    qtbot.wait(800)
    assert len(seen) == held and seen[-1] < 120, "progress advanced while paused"
    assert window.runner.busy and "paused" in window.progress.label.text()
    assert window.progress.pause.text() == "Resume"
    with qtbot.waitSignal(window.index_finished, timeout=60_000) as blocker:
        window.toggle_pause()
    report = blocker.args[0]
    assert not report.cancelled and report.indexed == 120
    assert len(seen) > held and seen[-1] == 120
    assert not window.progress.isVisible()


def test_a_tag_written_during_an_index_run_lands_before_it_ends(qtbot, settings, photos, tmp_path):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos)
    search(qtbot, window, "blue")
    window.view.selectAll()
    selected = window.view.selected_results()
    assert len(selected) == 3
    settings.batch_size = 4
    finished: list[object] = []
    window.index_finished.connect(finished.append)
    _pause_at(window, 4)
    window.add_folder(many_photos(tmp_path / "many"))
    wait_for(qtbot, lambda: window.runner.paused)
    with qtbot.waitSignal(window.library_changed, timeout=10_000):
        window.tag_selected("sky")
    assert window.runner.busy and not finished  # the run is still in flight
    assert "sky  (3)" in labels(window.sidebar.tags)
    assert all(
        [t["name"] for t in window.library.labels_for(r.item_id)] == ["sky"] for r in selected
    )
    with qtbot.waitSignal(window.index_finished, timeout=60_000):
        window.toggle_pause()
    assert finished[0].indexed == 120 and "sky  (3)" in labels(window.sidebar.tags)


def test_a_tag_filter_follows_tagging_without_a_manual_refresh(qtbot, settings, photos):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos)
    search(qtbot, window, "blue")
    tag_shown(qtbot, window, "sky")
    window.searchbar.edit.clear()
    sky = window.sidebar.tags.child(0)
    with qtbot.waitSignal(window.results_shown, timeout=10_000, check_params_cb=lambda n: n == 3):
        sky.setSelected(True)
    window.view.setCurrentIndex(window.model.index(0))
    window.view.selectionModel().select(
        window.model.index(0), window.view.selectionModel().SelectionFlag.ClearAndSelect
    )
    untagged = window.view.selected_results()[0].item_id
    wait_for(qtbot, lambda: window.preview.tags.count() == 1)
    window.preview.tags.setCurrentRow(0)
    with qtbot.waitSignal(window.results_shown, timeout=10_000, check_params_cb=lambda n: n == 2):
        qtbot.mouseClick(window.preview.remove_tag, Qt.MouseButton.LeftButton)
    assert untagged not in {r.item_id for r in window.model.results()}
    wait_for(qtbot, lambda: "sky  (2)" in labels(window.sidebar.tags))


def test_the_status_summary_counts_what_indexing_adds_and_removal_takes(qtbot, settings, photos):
    window = open_window(qtbot, settings)
    assert window.summary.text() == "0 items in 0 folders"
    index_folder(qtbot, window, photos / "red")
    wait_for(qtbot, lambda: window.summary.text() == "3 items in 1 folder")
    window.remove_folder(str((photos / "red").resolve()), confirm=False)
    wait_for(qtbot, lambda: window.summary.text() == "0 items in 0 folders")
