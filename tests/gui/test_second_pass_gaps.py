"""The desktop app's second pass, its last gaps: Back / Forward over the search bar's date range
and camera and over a person's photos; those filters kept across restarts; the folder tree's
subfolder menu; a tidy search bar whose chips never move what is below; tags on tiles as
coloured chips; every new shortcut listed and Tab still going search → grid → preview."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import index_folder, open_window, paint_tile, search, wait_for
from mmdesk_testing import make_photo
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QDesktopServices, QKeySequence
from PySide6.QtWidgets import QApplication, QToolBar

from mmdesk.core.faces import people as people_ops
from mmdesk.gui.history import Place
from mmdesk.gui.menus import shortcut_list
from mmdesk.gui.results import ResultDelegate, TagsRole, fit_tag_chips
from mmdesk.gui.sidebar import ValueRole

pytestmark = pytest.mark.gui


def _filtered(qtbot, window, change) -> None:
    with qtbot.waitSignal(window.results_shown, timeout=10_000):
        change()


def test_back_and_forward_restore_the_date_range_and_camera(qtbot, settings, photos):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos)
    bar = window.searchbar
    search(qtbot, window, "blue")
    _filtered(qtbot, window, lambda: bar.set_date_range("2001", "2099"))
    _filtered(qtbot, window, lambda: bar.set_camera("NIKON D750"))
    assert window.navigation.showing.camera == "NIKON D750"
    _filtered(qtbot, window, window.navigation.back)  # the camera was a step of its own
    assert bar.camera() is None and bar.date_range() == ("2001", "2099")
    assert bar.chips.chip("camera") is None and bar.chips.chip("date") is not None
    _filtered(qtbot, window, window.navigation.back)
    assert bar.date_range() == (None, None) and bar.query() == "blue"
    assert bar.chips.chip("date") is None
    _filtered(qtbot, window, window.navigation.forward)
    assert bar.date_range() == ("2001", "2099") and window.filters().after == "2001"
    _filtered(qtbot, window, window.navigation.forward)
    assert bar.camera() == "NIKON D750" and window.filters().camera == ["NIKON D750"]
    assert not window.navigation.forward_action.isEnabled()


def test_typing_after_a_filter_change_is_a_step_of_its_own(qtbot, settings, photos):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos)
    search(qtbot, window, "blue")
    _filtered(qtbot, window, lambda: window.searchbar.set_date_range("2001", None))
    search(qtbot, window, "green")
    _filtered(qtbot, window, window.navigation.back)
    assert window.searchbar.query() == "blue"
    assert window.searchbar.date_range() == ("2001", None)


def test_a_persons_photos_are_a_step_back_and_forward(qtbot, settings, photos, monkeypatch):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos)
    search(qtbot, window, "blue")
    theirs = window.model.results()[:2]  # the person's photos, as the faces module would say
    monkeypatch.setattr(people_ops, "photos_of", lambda library, person: list(theirs))
    _filtered(qtbot, window, lambda: window.searchbar.set_date_range("2001", None))
    people = window.people_view
    people.show_photos(4242)
    wait_for(qtbot, lambda: "Photos of" in window.message.text())
    assert window.navigation.showing == Place(person=4242, dates=("2001", None))
    assert window.navigation.history.behind[-1].query == "blue"
    search(qtbot, window, "green")
    _filtered(qtbot, window, window.searchbar.clear_date_range)
    _filtered(qtbot, window, window.navigation.back)
    assert window.searchbar.query() == "green"
    window.navigation.back()
    wait_for(qtbot, lambda: "Photos of" in window.message.text())
    assert people.showing == 4242 and window.navigation.showing.person == 4242
    assert window.searchbar.date_range() == ("2001", None)  # the filters it was shown under
    assert [r.item_id for r in window.model.results()] == [r.item_id for r in theirs]
    _filtered(qtbot, window, window.navigation.back)
    assert window.searchbar.query() == "blue" and people.showing is None
    window.navigation.forward()
    wait_for(qtbot, lambda: people.showing == 4242)


def test_photos_like_a_persons_are_a_step_and_a_person_clears_the_words(
    qtbot, settings, photos, monkeypatch
):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos)
    search(qtbot, window, "blue")
    shown = window.model.results()
    monkeypatch.setattr(people_ops, "photos_of", lambda library, person: list(shown[:2]))
    monkeypatch.setattr(people_ops, "more_photos_of", lambda library, person: list(shown[2:3]))
    people = window.people_view
    people.show_photos(7)
    wait_for(qtbot, lambda: "Photos of" in window.message.text())
    assert window.searchbar.query() == ""  # the words of the search before are gone
    window.searchbar.edit.setText("red")  # typed later, then the person asked again
    people.show_more(7)
    wait_for(qtbot, lambda: "More photos like" in window.message.text())
    assert window.searchbar.query() == "" and window.navigation.showing.more
    assert [r.item_id for r in window.model.results()] == [shown[2].item_id]
    window.navigation.back()
    wait_for(qtbot, lambda: "Photos of" in window.message.text())
    assert len(window.model.results()) == 2 and not window.navigation.showing.more
    window.navigation.forward()
    wait_for(qtbot, lambda: "More photos like" in window.message.text())
    assert [r.item_id for r in window.model.results()] == [shown[2].item_id]


def test_the_sort_is_part_of_a_step_back(qtbot, settings, photos):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos)
    bar = window.searchbar
    search(qtbot, window, "red")
    _filtered(qtbot, window, lambda: bar.sort.setCurrentIndex(bar.sort.findData("newest")))
    assert window.navigation.showing.sort == "newest"
    assert window.navigation.history.behind[-1].sort == "relevance"
    _filtered(qtbot, window, window.navigation.back)
    assert bar.options().sort == "relevance" and bar.query() == "red"
    _filtered(qtbot, window, window.navigation.forward)
    assert bar.options().sort == "newest"


def test_the_date_range_and_camera_survive_a_restart(qtbot, settings, photos):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos)
    _filtered(qtbot, window, lambda: window.searchbar.set_date_range("2001-02", "2099"))
    _filtered(qtbot, window, lambda: window.searchbar.set_camera("Canon EOS"))
    window.close()
    again = open_window(qtbot, settings)
    bar = again.searchbar
    assert bar.date_range() == ("2001-02", "2099") and bar.camera() == "Canon EOS"
    wait_for(qtbot, lambda: bar.chips.chip("camera") is not None)
    assert bar.chips.chip("date") is not None
    _filtered(qtbot, again, bar.clear_camera)
    _filtered(qtbot, again, bar.clear_date_range)
    again.close()
    third = open_window(qtbot, settings)
    assert third.searchbar.date_range() == (None, None) and third.searchbar.camera() is None


def _entry(section, path: Path):
    stack = [section.child(i) for i in range(section.childCount())]
    while stack:
        item = stack.pop()
        if item.data(0, ValueRole) == str(path):
            return item
        stack += [item.child(i) for i in range(item.childCount())]
    return None


def test_subfolders_have_show_in_folder_and_rescan_their_library_folder(
    qtbot, settings, tmp_path, monkeypatch
):
    root = tmp_path / "pics"
    for n in range(2):
        make_photo(root / "trips" / f"trip-{n}.png", "red", seed=n)
    make_photo(root / "home.png", "green")
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, root)
    sidebar = window.sidebar
    wait_for(qtbot, lambda: _entry(sidebar.folders, root / "trips") is not None)
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()))
    sub = sidebar.folder_menu(_entry(sidebar.folders, root / "trips"))
    texts = [a.text() for a in sub.actions()]
    assert texts[0] == "Show in folder" and texts[1].startswith("Re-scan")
    assert "pics" in texts[1] and "Remove from library" not in texts
    sub.actions()[0].trigger()
    assert opened == [str(root / "trips")]
    with qtbot.waitSignal(sidebar.rescan_requested) as asked:
        with qtbot.waitSignal(window.index_finished, timeout=60_000):
            sub.actions()[1].trigger()
    assert asked.args == [str(root)]  # indexing takes library folders: the one holding it
    assert sidebar.folder_paths() == [str(root)]  # the subfolder did not become one
    top = sidebar.folder_menu(_entry(sidebar.folders, root))
    assert [a.text() for a in top.actions()] == [
        "Show in folder",
        "Re-scan",
        "Remove from library",
    ]
    assert sidebar.folder_menu(sidebar.tags) is None


def test_the_search_bar_keeps_one_row_and_the_chips_row_never_moves_the_grid(
    qtbot, settings, photos
):
    window = open_window(qtbot, settings)
    window.resize(1300, 800)
    index_folder(qtbot, window, photos)
    bar = window.searchbar
    toolbar = window.findChild(QToolBar, "search-toolbar")
    assert window.group_action not in toolbar.actions()  # on the bar's own row now
    buttons = bar.findChildren(type(bar.filter_button))
    group = [b for b in buttons if b.defaultAction() is window.group_action]
    assert len(group) == 1
    edit = bar.edit.geometry()
    for widget in (bar.filter_button, bar.sort, bar.cutoff, group[0]):
        assert abs(widget.geometry().center().y() - edit.center().y()) <= 2  # one row
    caption = next(w for w in bar.children() if getattr(w, "buddy", lambda: None)() is bar.sort)
    assert bar.sort.geometry().left() - caption.geometry().right() >= 3
    assert caption.geometry().left() - bar.filter_button.geometry().right() >= 10
    grid_top = window.view.mapTo(window, QPoint(0, 0)).y()
    _filtered(qtbot, window, lambda: bar.set_camera("NIKON D750"))
    QApplication.processEvents()
    chips = bar.chips
    assert chips.isVisible() and window.view.mapTo(window, QPoint(0, 0)).y() == grid_top
    field = QRect(bar.edit.mapTo(window, QPoint(0, 0)), bar.edit.size())
    shown = QRect(chips.mapTo(window, QPoint(0, 0)), chips.size())
    assert shown.top() > field.bottom()  # under the field
    assert abs(shown.left() - field.left()) <= 8 and abs(shown.right() - field.right()) <= 8


def test_tile_tags_are_chips_in_the_tags_colours(qtbot):
    widths = [40, 40, 40]
    assert fit_tag_chips(widths, 200, gap=4, more=20) == 3
    assert fit_tag_chips(widths, 100, gap=4, more=20) == 1  # 40 + 4 + "+2" fits, not 2 chips
    assert fit_tag_chips(widths, 10, gap=4, more=20) == 0
    delegate = ResultDelegate()
    delegate.show_tags = True
    delegate.tag_color = lambda name: "#ff0000" if name == "red" else None

    tile = {TagsRole: ["red", "plain"], Qt.ItemDataRole.DisplayRole: "a.png"}
    image = paint_tile(delegate, tile, 200, 220)
    reds = [
        (x, y)
        for y in range(image.height())
        for x in range(image.width())
        if (c := image.pixelColor(x, y)).red() > 200 and c.green() < 60 and c.blue() < 60
    ]
    assert len(reds) > 50  # the "red" tag's chip is filled with its colour


def test_the_shortcuts_dialog_lists_every_new_key(qtbot, settings):
    window = open_window(qtbot, settings)
    keys = dict(shortcut_list(window))
    native = QKeySequence.SequenceFormat.NativeText

    def key(text: str) -> str:
        return QKeySequence(text).toString(native)

    assert any(key("Ctrl+T") in k and key("Ctrl+K") in k for k in keys)
    assert any(key("Ctrl+Z") == k for k in keys)
    assert any(key("Ctrl+Shift+Z") in k for k in keys)
    assert any(key("Alt+Left") in k and "Back" in v for k, v in keys.items())
    assert any(key("Alt+Right") in k and "Forward" in v for k, v in keys.items())
    assert keys["1 – 9"].startswith("Tag the selection with keyword set")
    assert not any(k in keys for k in "123456789")  # the nine sets: one line, not nine


def test_tab_goes_search_grid_preview_past_the_new_widgets(qtbot, settings, photos):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos)
    _filtered(qtbot, window, lambda: window.searchbar.set_camera("NIKON D750"))
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    window.searchbar.edit.setFocus()
    qtbot.waitUntil(window.searchbar.edit.hasFocus, timeout=5_000)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is window.view
    qtbot.keyClick(window.view, Qt.Key.Key_Tab)
    focused = QApplication.focusWidget()
    assert focused is not None and window.preview_area.isAncestorOf(focused)


def test_chips_that_do_not_fit_go_into_a_more_menu_not_squeezed(qtbot):
    from mmdesk.gui.filter_chips import ChipSpec, FilterChips

    chips = FilterChips()
    qtbot.addWidget(chips)
    specs = [ChipSpec("tag", f"Places/Town {n}", f"Tag: Places/Town {n}") for n in range(8)]
    chips.resize(420, 30)
    chips.show()
    chips.set_chips(specs)
    QApplication.processEvents()
    hidden = chips.hidden_chips()
    shown = [c for c in chips.chips() if c.isVisible()]
    assert hidden and shown and len(hidden) + len(shown) == 8
    assert all(c.width() >= c.sizeHint().width() for c in shown)  # each one readable
    assert shown[-1].geometry().right() < chips.more.geometry().left() <= chips.width()
    assert chips.more.isVisible() and chips.more.text() == f"+{len(hidden)}"
    actions = chips.more.menu().actions()
    assert [a.text() for a in actions] == [f"Remove {c.text()}" for c in hidden]
    with qtbot.waitSignal(chips.removed) as removed:
        actions[0].trigger()
    assert removed.args == ["tag", specs[len(shown)].value]
    chips.resize(3000, 30)
    QApplication.processEvents()
    assert chips.hidden_chips() == [] and not chips.more.isVisible()
