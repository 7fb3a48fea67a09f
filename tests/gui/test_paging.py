"""Browsing shows every item, a page at a time, and says "N of M"; ranked results offer more."""

from __future__ import annotations

import pytest
from helpers import index_folder, many_photos, open_window, search, wait_for
from PySide6.QtCore import QItemSelectionModel, Qt

from mmdesk.gui.paging import PAGE

pytestmark = pytest.mark.gui


def test_browsing_loads_every_item_page_by_page_and_keeps_the_selection(qtbot, settings, tmp_path):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, many_photos(tmp_path / "many", 450))
    model, view = window.model, window.view
    wait_for(qtbot, lambda: "Showing 200 of 450 items" in window.message.text())
    assert len(model.results()) == PAGE == 200 and model.canFetchMore()
    chosen = model.result(5)
    view.selectionModel().setCurrentIndex(
        model.index(5), QItemSelectionModel.SelectionFlag.ClearAndSelect
    )
    bar = view.verticalScrollBar()
    for loaded in (400, 450):
        view.scrollToBottom()  # at the end of the scroll bar the view asks for the next page
        wait_for(qtbot, lambda loaded=loaded: len(model.results()) == loaded)
        assert f"Showing {loaded} of 450 items" in window.message.text()
        assert bar.value() > 0 and bar.value() < bar.maximum()  # no jump back to the top
        assert view.selected_results() == [chosen] and view.current_result() == chosen
    assert not model.canFetchMore()
    ids = [r.item_id for r in model.results()]
    assert len(set(ids)) == 450  # every item once, in browse order
    assert ids == [r.item_id for r in window.library.browse_page(window.filters(), 0, 1000)]


def test_a_refresh_keeps_the_pages_already_loaded(qtbot, settings, tmp_path):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, many_photos(tmp_path / "many", 260))
    model = window.model
    wait_for(qtbot, lambda: "Showing 200 of 260 items" in window.message.text())
    model.fetchMore()
    wait_for(qtbot, lambda: len(model.results()) == 260)
    window.message.setText("")
    window.run_search()  # what a refresh from Changes does
    wait_for(qtbot, lambda: "Showing 260 of 260 items" in window.message.text())
    assert len(model.results()) == 260


def test_ranked_results_say_the_best_are_shown_and_show_more(qtbot, settings, tmp_path):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, many_photos(tmp_path / "many", 45))
    window.searchbar.cutoff.setValue(0)
    window.searchbar.limit.setValue(10)
    first = search(qtbot, window, "red")
    assert len(first) == 10 and "the 10 best shown" in window.message.text()
    button = window.paging.more_button
    assert button.isVisible() and button.text() == "Show 10 more"
    shown_before = window.model.results()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, lambda: len(window.model.results()) == 20)
    after = window.model.results()
    assert after[:10] == shown_before  # appended after the best ones, none twice
    assert len({r.item_id for r in after}) == 20
    assert "Showing the 20 best results for “red”" in window.message.text()
    # all 45 shown: nothing more to offer
    for _ in range(3):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        wait_for(qtbot, lambda: button.isEnabled())
    wait_for(qtbot, lambda: len(window.model.results()) == 45 and not button.isVisible())
    # a new query starts again from the spin box's limit
    assert len(search(qtbot, window, "green")) == 10


def test_a_cutoff_that_hides_matches_offers_no_more(qtbot, settings, tmp_path):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, many_photos(tmp_path / "many", 30))  # 10 red of 30
    window.searchbar.limit.setValue(20)  # filled, but the cutoff hides the 10 that are not red
    names = search(qtbot, window, "red")
    assert len(names) == 10 and "weaker matches hidden" in window.message.text()
    assert not window.paging.more_button.isVisible()


def test_the_viewer_counts_every_item_of_a_browse_and_steps_past_the_loaded_page(
    qtbot, settings, tmp_path
):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, many_photos(tmp_path / "many", 230))
    model, view = window.model, window.view
    wait_for(qtbot, lambda: "Showing 200 of 230 items" in window.message.text())
    view.setCurrentIndex(model.index(198))
    window.viewer.open()
    title = window.viewer.viewer.title
    assert "199 of 230" in title.text()  # of the whole browse, not of the 200 loaded
    window.viewer.step(1)  # the last one loaded: the next page is asked for
    assert "200 of 230" in title.text()
    wait_for(qtbot, lambda: len(model.results()) == 230)
    window.viewer.step(1)
    assert "201 of 230" in title.text() and window.viewer.current() == model.result(200)
