"""Browsing in the window: the folder tree and its counts, independent sidebar sections, the
search bar's filter chips, its date and camera filter and the date sorts."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from helpers import index_folder, open_window, wait_for
from mmdesk_testing import exif_photo, make_photo
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QTreeWidgetItem, QWidget

from mmdesk.gui.filter_chips import FilterChips
from mmdesk.gui.searchbar import period_after
from mmdesk.gui.sidebar import ValueRole

pytestmark = pytest.mark.gui


@pytest.fixture()
def library_folder(tmp_path: Path) -> Path:
    """red/ (3 photos), green/ (2), trips/2019/ (2 EXIF photos, two cameras), an empty folder."""
    root = tmp_path / "pics"
    for n in range(3):
        make_photo(root / "red" / f"red-{n}.png", "red", seed=n)
    for n in range(2):
        make_photo(root / "green" / f"green-{n}.png", "green", seed=n)
    exif_photo(
        root / "trips" / "2019" / "a.jpg", (200, 20, 20), "2019:07:01 10:00:00", "NIKON D750"
    )
    exif_photo(root / "trips" / "2019" / "b.jpg", (20, 20, 200), "2019:08:01 10:00:00", "Canon EOS")
    (root / "empty").mkdir()
    stamp = dt.datetime(2021, 3, 1, 12, 0).timestamp()
    for png in root.rglob("*.png"):
        os.utime(png, (stamp, stamp))
    return root


def find(section: QTreeWidgetItem, path: Path | str) -> QTreeWidgetItem | None:
    """The sidebar entry (at any depth) whose filter value is ``path``, if any."""
    stack = [section.child(i) for i in range(section.childCount())]
    while stack:
        item = stack.pop()
        if item is None:
            continue
        if item.data(0, ValueRole) == str(path):
            return item
        stack += [item.child(i) for i in range(item.childCount())]
    return None


def entry(section: QTreeWidgetItem, path: Path | str) -> QTreeWidgetItem:
    found = find(section, path)
    assert found is not None, f"no entry for {path}"
    return found


def click(qtbot, window, item: QTreeWidgetItem, ctrl: bool = False) -> None:
    tree = window.sidebar
    parent = item.parent()
    while parent is not None:
        parent.setExpanded(True)
        parent = parent.parent()
    tree.scrollToItem(item)
    modifier = Qt.KeyboardModifier.ControlModifier if ctrl else Qt.KeyboardModifier.NoModifier
    rect = tree.visualItemRect(item)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def shown(window) -> list[str]:
    return sorted(Path(r.path).name for r in window.model.results())


def wait_shown(qtbot, window, names: list[str]) -> None:
    wait_for(qtbot, lambda: shown(window) == sorted(names))


def test_the_folder_tree_shows_subfolders_with_the_counts_a_click_shows(
    qtbot, settings, library_folder
):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, library_folder)
    folders = window.sidebar.folders

    def root_done() -> bool:
        top = folders.child(0)
        return top is not None and top.text(0) == "pics  (7, indexed)" and top.childCount() == 3

    wait_for(qtbot, root_done)
    root = folders.child(0)
    children = [root.child(i).text(0) for i in range(root.childCount())]
    assert children == ["green  (2)", "red  (3)", "trips  (2)"]  # not the empty folder
    trips = entry(folders, library_folder / "trips")
    assert [trips.child(0).text(0)] == ["2019  (2)"] and trips.childCount() == 1
    for path, count in ((library_folder / "trips" / "2019", 2), (library_folder / "red", 3)):
        click(qtbot, window, entry(folders, path))
        wait_for(qtbot, lambda count=count: len(window.model.results()) == count)
        assert window.sidebar.selected_folders() == [str(path)]
    # the root keeps its context menu; Ctrl-click adds a second folder to the filter
    click(qtbot, window, entry(folders, library_folder / "green"), ctrl=True)
    wait_shown(qtbot, window, [*(f"red-{n}.png" for n in range(3)), "green-0.png", "green-1.png"])


def test_clicking_a_folder_keeps_the_tag_and_kind_filters(qtbot, settings, library_folder):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, library_folder)
    ids = [r.item_id for r in window.library.browse() if "red-" in r.path or "a.jpg" in r.path]
    with qtbot.waitSignal(window.library_changed, timeout=10_000):
        window.runner.write(lambda lib: lib.tag(ids[:2] + ids[-1:], "warm"))
    sidebar = window.sidebar
    wait_for(qtbot, lambda: find(sidebar.tags, "warm") is not None)
    click(qtbot, window, entry(sidebar.tags, "warm"))
    click(qtbot, window, entry(sidebar.kinds, "image"))
    wait_for(qtbot, lambda: len(window.model.results()) == 3)
    assert sidebar.selected_tags() == ["warm"] and sidebar.selected_kinds() == ["image"]
    click(qtbot, window, entry(sidebar.folders, library_folder / "red"))
    assert sidebar.selected_tags() == ["warm"] and sidebar.selected_kinds() == ["image"]
    assert sidebar.selected_folders() == [str(library_folder / "red")]
    wait_for(qtbot, lambda: len(window.model.results()) == 2)
    assert all("red-" in r.path for r in window.model.results())
    # a plain click on another folder replaces the folder, still under the tag
    click(qtbot, window, entry(sidebar.folders, library_folder / "trips"))
    assert sidebar.selected_folders() == [str(library_folder / "trips")]
    assert sidebar.selected_tags() == ["warm"]
    wait_shown(qtbot, window, ["a.jpg"])
    # clicking a section's title clears that section only
    click(qtbot, window, sidebar.folders)
    assert sidebar.selected_folders() == [] and sidebar.selected_tags() == ["warm"]
    wait_for(qtbot, lambda: len(window.model.results()) == 3)


def test_chips_show_the_filters_and_their_cross_removes_them(qtbot, settings, library_folder):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, library_folder)
    bar, sidebar = window.searchbar, window.sidebar
    wait_for(qtbot, lambda: len(window.model.results()) == 7)
    assert bar.chips.isHidden() and bar.chips.chips() == []
    click(qtbot, window, entry(sidebar.folders, library_folder / "trips"))
    wait_shown(qtbot, window, ["a.jpg", "b.jpg"])
    folder_chip = bar.chips.chip("folder", str(library_folder / "trips"))
    assert folder_chip is not None and folder_chip.text() == "Folder: trips"
    assert not bar.chips.isHidden()
    # the Filter menu: a camera from the library's, applied with the form
    bar._fill_panel()
    panel = bar.filter_panel
    cameras = [panel.camera.itemData(i) for i in range(panel.camera.count())]
    assert cameras == [None, "Canon EOS", "NIKON D750"]
    panel.camera.setCurrentIndex(cameras.index("NIKON D750"))
    qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    wait_shown(qtbot, window, ["a.jpg"])
    camera_chip = bar.chips.chip("camera")
    assert camera_chip is not None and camera_chip.text() == "Camera: NIKON D750"
    qtbot.mouseClick(camera_chip.close_button, Qt.MouseButton.LeftButton)
    wait_shown(qtbot, window, ["a.jpg", "b.jpg"])
    assert bar.camera() is None and bar.chips.chip("camera") is None
    qtbot.mouseClick(folder_chip.close_button, Qt.MouseButton.LeftButton)
    assert sidebar.selected_folders() == []
    wait_for(qtbot, lambda: len(window.model.results()) == 7)
    # a date range: "To" includes its period; the chip's × clears it
    bar.set_date_range("2019-08", "2019-08")
    wait_shown(qtbot, window, ["b.jpg"])
    date_chip = bar.chips.chip("date")
    assert date_chip is not None and date_chip.text() == "Date: 2019-08"
    bar.set_date_range(None, "2019")
    wait_shown(qtbot, window, ["a.jpg", "b.jpg"])
    date_chip = bar.chips.chip("date")
    assert date_chip is not None and date_chip.text() == "Date: to 2019"
    with pytest.raises(ValueError):
        bar.set_date_range("2019-13", None)
    assert bar.date_range() == (None, "2019")
    qtbot.mouseClick(date_chip.close_button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, lambda: len(window.model.results()) == 7)
    assert bar.date_range() == (None, None) and bar.chips.chips() == []
    # tag and kind chips, removed from the sidebar's selection by their ×
    with qtbot.waitSignal(window.library_changed, timeout=10_000):
        window.runner.write(lambda lib: lib.tag([lib.browse()[0].item_id], "best"))
    wait_for(qtbot, lambda: find(sidebar.tags, "best") is not None)
    click(qtbot, window, entry(sidebar.tags, "best"))
    click(qtbot, window, entry(sidebar.kinds, "image"))
    wait_for(qtbot, lambda: len(window.model.results()) == 1)
    kind_chip, tag_chip = bar.chips.chip("kind", "image"), bar.chips.chip("tag", "best")
    assert kind_chip is not None and kind_chip.text() == "Kind: Photos"
    assert tag_chip is not None and tag_chip.text() == "Tag: best"
    qtbot.mouseClick(tag_chip.close_button, Qt.MouseButton.LeftButton)
    assert sidebar.selected_tags() == [] and sidebar.selected_kinds() == ["image"]
    wait_for(qtbot, lambda: len(window.model.results()) == 7)


def test_sort_newest_and_oldest_first_date_files_without_exif_by_file_time(
    qtbot, settings, library_folder
):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, library_folder)
    bar = window.searchbar
    assert [bar.sort.itemData(i) for i in range(bar.sort.count())] == [
        "relevance",
        "newest",
        "oldest",
    ]
    wait_for(qtbot, lambda: len(window.model.results()) == 7)
    bar.sort.setCurrentIndex(bar.sort.findData("oldest"))

    def names() -> list[str]:
        return [Path(r.path).name for r in window.model.results()]

    wait_for(qtbot, lambda: names()[:1] == ["a.jpg"])
    assert names()[:2] == ["a.jpg", "b.jpg"] and len(names()) == 7  # the PNGs: 2021
    bar.sort.setCurrentIndex(bar.sort.findData("newest"))
    wait_for(qtbot, lambda: names()[-1:] == ["a.jpg"])
    assert names()[-2:] == ["b.jpg", "a.jpg"] and len(names()) == 7


def test_the_similar_chip_shows_and_clears(qtbot):
    holder = QWidget()
    qtbot.addWidget(holder)
    chips = FilterChips(holder)
    holder.show()
    assert chips.isHidden()
    picture = QPixmap(32, 32)
    picture.fill(Qt.GlobalColor.red)
    chips.set_similar("beach.jpg", picture)
    chip = chips.chip("similar")
    assert chip is not None and chip.text() == "Similar to beach.jpg"
    assert chips.isVisible() and chips.chips() == [chip]
    with qtbot.waitSignal(chips.similar_cleared, timeout=1000):
        qtbot.mouseClick(chip.close_button, Qt.MouseButton.LeftButton)
    chips.set_similar(None, None)
    assert chips.chip("similar") is None and chips.isHidden()


def test_to_includes_its_period():
    assert [period_after(p) for p in ("2019", "2019-05", "2019-12", "2020-02-29")] == [
        "2020",
        "2019-06",
        "2020-01",
        "2020-03-01",
    ]
    for bad in ("2019-13", "2019-02-30", "May"):
        with pytest.raises(ValueError):
            period_after(bad)
