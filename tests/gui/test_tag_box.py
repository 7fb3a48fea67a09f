"""Tagging like a photo manager: the tag box (Ctrl+T / Ctrl+K) with the preview hidden,
comma-separated tags, keyword sets on the number keys, dragging results out, tags on tiles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import index_folder, open_window, search, wait_for
from PySide6.QtCore import QModelIndex, QStringListModel, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractItemView, QLineEdit

from mmdesk.gui.keyword_sets import keyword_set, save_keyword_set, set_key
from mmdesk.gui.preview_tags import TagArea
from mmdesk.gui.results import TagsRole
from mmdesk.gui.sidebar_tags import ITEMS_MIME
from mmdesk.gui.tag_box import ListCompleter, split_tags

pytestmark = pytest.mark.gui


def blue_selected(qtbot, window) -> list[int]:
    """Search "blue", select the three results with the keyboard; their item ids."""
    search(qtbot, window, "blue")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    ids = [r.item_id for r in window.view.selected_results()]
    assert len(ids) == 3
    return ids


def view_action(window, text: str) -> QAction:
    found = [a for a in window.findChildren(QAction) if a.text().replace("&", "") == text]
    assert len(found) == 1, text
    return found[0]


def test_split_tags_trims_drops_empties_and_repeats():
    assert split_tags(" beach, Places/Nice ,, summer ,BEACH, ") == [
        "beach",
        "Places/Nice",
        "summer",
    ]
    assert split_tags(" , ") == []


def test_the_completer_completes_the_tag_after_the_last_comma(qtbot):
    edit = QLineEdit()
    qtbot.addWidget(edit)
    completer = ListCompleter(["summer", "Places/Nice"], edit)
    edit.setCompleter(completer)
    edit.setText("beach, Ni")
    assert completer.splitPath(edit.text()) == ["Ni"]
    index = completer.model().index(1, 0)
    assert completer.pathFromIndex(index) == "beach, Places/Nice"


def test_the_preview_tag_field_takes_comma_separated_tags(qtbot):
    area = TagArea()
    qtbot.addWidget(area)
    added: list[str] = []
    area.tag_added.connect(added.append)
    qtbot.keyClicks(area.tag_edit, " beach, , sea ,beach")
    qtbot.keyClick(area.tag_edit, Qt.Key.Key_Return)
    assert added == ["beach", "sea"] and area.tag_edit.text() == ""
    assert isinstance(area.tag_edit.completer(), ListCompleter)
    assert isinstance(area.tag_edit.completer().model(), QStringListModel)


def test_ctrl_t_with_the_preview_hidden_tags_the_selection(qtbot, settings, photos):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos)
    window.preview_area.hide()
    ids = blue_selected(qtbot, window)
    qtbot.keyClick(window.view, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    box = window.tagger.box
    assert box is not None and box.isVisible()
    qtbot.keyClick(box.edit, Qt.Key.Key_Escape)  # Esc cancels: nothing is written
    wait_for(qtbot, lambda: window.tagger.box is None)
    qtbot.keyClick(window.view, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    box = window.tagger.box
    assert box is not None and "3 items" in box.info.text()
    qtbot.keyClicks(box.edit, "sea, Places/Nice")
    qtbot.keyClick(box.edit, Qt.Key.Key_Return)
    wait_for(qtbot, lambda: "Tagged 3 items: sea, Places/Nice" in window.message.text())
    assert window.library.tag_counts_for(ids) == {"sea": 3, "Places/Nice": 3}
    assert window.preview_area.isHidden() and window.tagger.box is None


def test_ctrl_t_without_a_selection_says_what_to_do(qtbot, settings):
    window = open_window(qtbot, settings)
    window.tagger.open_box()
    assert window.tagger.box is None and "Select some items" in window.message.text()


def test_a_number_key_applies_its_keyword_set(qtbot, settings, photos):
    window = open_window(qtbot, settings)
    save_keyword_set(window.qsettings, 2, ["beach", "sea"])
    index_folder(qtbot, window, photos)
    ids = blue_selected(qtbot, window)
    qtbot.keyClick(window.view, Qt.Key.Key_2)
    wait_for(qtbot, lambda: "Tagged 3 items: beach, sea" in window.message.text())
    assert window.library.tag_counts_for(ids) == {"beach": 3, "sea": 3}
    # a digit typed in a text field is text, not a keyword set
    window.preview.tag_edit.setFocus()
    qtbot.keyClick(window.preview.tag_edit, Qt.Key.Key_3)
    assert window.preview.tag_edit.text() == "3"


def test_an_empty_keyword_set_says_how_to_define_one(qtbot, settings, photos):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos)
    ids = blue_selected(qtbot, window)
    qtbot.keyClick(window.view, Qt.Key.Key_4)
    assert "Keyword set 4 is empty" in window.message.text()
    assert "Keyword sets…" in window.message.text()
    assert window.library.tag_counts_for(ids) == {}


def test_the_keyword_sets_dialog_saves_them_and_the_menu_shows_them(qtbot, settings):
    window = open_window(qtbot, settings)
    assert view_action(window, "Set 3: (empty)").shortcut().toString() == "3"
    window.keyword_sets.edit()
    dialog = window.keyword_sets.dialog
    assert dialog is not None and len(dialog.lines) == 9
    dialog.lines[3].setText("dog, , park ")
    dialog.accept()
    assert window.qsettings.value(set_key(3)) == "dog, park"
    assert keyword_set(window.qsettings, 3) == ["dog", "park"]
    assert view_action(window, "Set 3: dog, park").statusTip() == "Tag the selection dog, park"


def test_dragged_results_carry_their_item_ids_and_file_urls(qtbot, settings, photos):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos)
    ids = blue_selected(qtbot, window)
    model, view = window.model, window.view
    assert view.dragEnabled()
    assert view.dragDropMode() == QAbstractItemView.DragDropMode.DragOnly  # never moved
    assert model.flags(model.index(0)) & Qt.ItemFlag.ItemIsDragEnabled
    assert not model.flags(QModelIndex()) & Qt.ItemFlag.ItemIsDragEnabled
    mime = model.mimeData(view.selectionModel().selectedIndexes())
    assert json.loads(bytes(mime.data(ITEMS_MIME).data()).decode("utf-8")) == ids
    paths = sorted(Path(u.toLocalFile()) for u in mime.urls())
    assert paths == sorted(Path(r.path) for r in view.selected_results())
    assert set(model.mimeTypes()) >= {ITEMS_MIME, "text/uri-list"}


def test_tags_appear_on_tiles_after_tagging(qtbot, settings, photos):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos)
    blue_selected(qtbot, window)
    model = window.model
    tall = window.view.gridSize().height()
    view_action(window, "Show tags on tiles").trigger()
    assert window.view.gridSize().height() > tall  # room for the tags line
    assert window.qsettings.value("grid/show_tags") in (True, "true")

    def tags_on_tiles() -> list[list[str]]:
        return [model.index(r).data(TagsRole) for r in range(model.rowCount())]

    window.label_selected("sky", "tag")
    wait_for(qtbot, lambda: tags_on_tiles() == [["sky"]] * 3)
    window.label_selected("sky", "untag")
    wait_for(qtbot, lambda: tags_on_tiles() == [[]] * 3)
    window.label_selected("cloud", "tag")
    search(qtbot, window, "red")  # a new search reads its tiles' tags afresh
    search(qtbot, window, "blue")
    wait_for(qtbot, lambda: tags_on_tiles() == [["cloud"]] * 3)
