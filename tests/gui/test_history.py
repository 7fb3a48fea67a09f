"""Back and Forward through searches: Back after "more like this" restores the query, its
results, selection and scroll position (Alt+Left, the mouse's back button, the toolbar);
similar results keep similarity order whatever the sort; the similarity chip says what they
are similar to."""

from __future__ import annotations

import pytest
from helpers import index_folder, many_photos, open_window, search, tag_shown, wait_for
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLabel, QToolBar

from mmdesk.gui.history import History, Place

pytestmark = pytest.mark.gui


def _ids(window) -> list[int]:
    return [r.item_id for r in window.model.results()]


def _more_like(qtbot, window, row: int) -> None:
    """'More like this' on the result in ``row`` (made current and selected)."""
    source = window.model.result(row).item_id
    window.view.selectionModel().setCurrentIndex(
        window.model.index(row), QItemSelectionModel.SelectionFlag.ClearAndSelect
    )
    with qtbot.waitSignal(window.results_shown, timeout=10_000):
        window.more_like_selected()
    assert window.navigation.showing.similar == source


def test_history_stacks_coalesce_the_same_query_and_drop_forward_on_a_new_one():
    history = History(limit=3)
    red, blue = Place("red"), Place("blue")
    history.push(red)
    history.push(Place("red", scroll=40))  # the same query, where the person stood
    assert history.behind == [Place("red", scroll=40)]
    assert history.back(blue) == Place("red", scroll=40) and history.ahead == [blue]
    history.push(red)
    assert history.ahead == [] and not history.can_forward()
    for n in range(5):
        history.push(Place(str(n)))
    assert [p.query for p in history.behind] == ["2", "3", "4"]


def test_back_after_more_like_this_restores_query_results_selection_and_scroll(
    qtbot, settings, tmp_path
):
    root = many_photos(tmp_path / "many", 90)
    window = open_window(qtbot, settings)
    window.resize(700, 540)
    index_folder(qtbot, window, root)
    window.searchbar.cutoff.setValue(0)
    names = search(qtbot, window, "red")
    assert len(names) > 30
    before = _ids(window)
    bar = window.view.verticalScrollBar()
    wait_for(qtbot, lambda: bar.maximum() > 200)
    bar.setValue(bar.maximum() // 2)
    scroll = bar.value()
    row = window.view.indexAt(window.view.viewport().rect().center()).row()
    assert row > 0
    chosen = window.model.result(row).item_id
    _more_like(qtbot, window, row)
    assert window.searchbar.query() == "" and window.navigation.showing.similar == chosen
    assert window.navigation.back_action.isEnabled()
    with qtbot.waitSignal(window.results_shown, timeout=10_000):
        window.navigation.back_action.trigger()
    assert window.searchbar.query() == "red" and _ids(window) == before
    assert [r.item_id for r in window.view.selected_results()] == [chosen]
    assert window.view.current_result().item_id == chosen
    wait_for(qtbot, lambda: bar.value() == scroll)
    assert window.preview.result.item_id == chosen
    with qtbot.waitSignal(window.results_shown, timeout=10_000):
        window.navigation.forward_action.trigger()
    assert window.navigation.showing.similar == chosen and window.searchbar.query() == ""


def test_back_to_browsing_restores_its_scroll_position(qtbot, settings, tmp_path):
    root = many_photos(tmp_path / "many", 90)
    window = open_window(qtbot, settings)
    window.resize(700, 500)
    index_folder(qtbot, window, root)
    wait_for(qtbot, lambda: "newest first" in window.message.text())
    bar = window.view.verticalScrollBar()
    wait_for(qtbot, lambda: bar.maximum() > 200)
    bar.setValue(bar.maximum() * 2 // 3)
    scroll, loaded = bar.value(), window.model.rowCount()
    row = window.view.indexAt(window.view.viewport().rect().center()).row()
    _more_like(qtbot, window, row)
    with qtbot.waitSignal(window.results_shown, timeout=10_000):
        qtbot.mouseClick(window.view.viewport(), Qt.MouseButton.BackButton)
    assert window.navigation.showing.similar is None and window.searchbar.query() == ""
    wait_for(qtbot, lambda: window.model.rowCount() >= loaded and bar.value() == scroll)


def test_alt_left_and_the_mouse_back_button_go_back(qtbot, settings, photos):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos)
    search(qtbot, window, "blue")
    blue = _ids(window)
    _more_like(qtbot, window, 0)
    toolbar = window.findChild(QToolBar, "search-toolbar")
    assert window.navigation.back_action in toolbar.actions()
    assert QKeySequence("Alt+Left") in window.navigation.back_action.shortcuts()
    assert QKeySequence("Alt+Right") in window.navigation.forward_action.shortcuts()
    with qtbot.waitSignal(window.results_shown, timeout=10_000):
        qtbot.mouseClick(window.view.viewport(), Qt.MouseButton.BackButton)
    assert window.searchbar.query() == "blue" and _ids(window) == blue
    with qtbot.waitSignal(window.results_shown, timeout=10_000):
        qtbot.mouseClick(window.view.viewport(), Qt.MouseButton.ForwardButton)
    assert window.navigation.showing.similar is not None
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow(), timeout=5_000)
    with qtbot.waitSignal(window.results_shown, timeout=10_000):
        qtbot.keyClick(window.view, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert window.searchbar.query() == "blue" and window.navigation.showing.similar is None


def test_a_run_of_typing_is_one_step_back(qtbot, settings, photos):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos)
    search(qtbot, window, "gre")
    search(qtbot, window, "green")
    _more_like(qtbot, window, 0)
    with qtbot.waitSignal(window.results_shown, timeout=10_000):
        window.navigation.back()
    assert window.searchbar.query() == "green"
    with qtbot.waitSignal(window.results_shown, timeout=10_000):
        window.navigation.back()
    assert window.searchbar.query() == ""  # before the typing: browsing
    assert not window.navigation.back_action.isEnabled()


def test_back_restores_the_sidebar_filters(qtbot, settings, photos):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos)
    search(qtbot, window, "blue")
    tag_shown(qtbot, window, "sky")
    with qtbot.waitSignal(window.results_shown, timeout=10_000, check_params_cb=lambda n: n == 3):
        window.sidebar.tags.child(0).setSelected(True)
    _more_like(qtbot, window, 0)
    window.sidebar.tags.child(0).setSelected(False)  # a filter change of its own
    with qtbot.waitSignal(window.results_shown, timeout=10_000):
        window.navigation.back()
    assert window.navigation.showing.similar is not None
    with qtbot.waitSignal(window.results_shown, timeout=10_000):
        window.navigation.back()
    assert window.sidebar.selected_tags() == ["sky"] and window.searchbar.query() == "blue"


def test_similar_results_keep_similarity_order_under_date_sort(qtbot, settings, photos):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos)
    bar = window.searchbar
    bar.sort.setCurrentIndex(max(bar.sort.findData("date"), bar.sort.findData("newest")))
    bar.cutoff.setValue(0)
    wait_for(qtbot, lambda: window.model.rowCount() == 9)
    _more_like(qtbot, window, 0)
    scores = [r.score for r in window.model.results()]
    assert len(scores) > 3 and scores == sorted(scores, reverse=True)


def test_the_similarity_chip_names_the_source_and_its_close_goes_back(qtbot, settings, photos):
    window = open_window(qtbot, settings)
    chips = getattr(window.searchbar, "chips", None)
    if chips is None or not hasattr(chips, "set_similar"):
        pytest.skip("the search bar's filter chips have not landed")
    index_folder(qtbot, window, photos)
    search(qtbot, window, "red")
    source = window.model.result(0)
    _more_like(qtbot, window, 0)
    (chip,) = [c for c in chips.chips() if "Similar to" in c.text()]
    assert source.path.rsplit("/", 1)[-1] in chip.text()

    def has_thumbnail() -> bool:
        now = [c for c in chips.chips() if "Similar to" in c.text()]
        pictures = [p for c in now for p in c.findChildren(QLabel) if p.pixmap() is not None]
        return any(not p.pixmap().isNull() for p in pictures)

    wait_for(qtbot, has_thumbnail)  # the source's thumbnail, once the cache has it
    with qtbot.waitSignal(window.results_shown, timeout=10_000):
        chips.similar_cleared.emit()
    assert window.searchbar.query() == "red"
    assert not any("Similar to" in c.text() for c in chips.chips())
