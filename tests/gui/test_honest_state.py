"""The window shows the truth: the preview follows the selection through new searches, filter
changes and removed files, and never acts on an item no longer shown; the grid follows the
library's changes; the indexing summary stays until dismissed; the GUI and the CLI agree on
"no good matches"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import index_folder, open_window, search, tag_shown, wait_for
from PySide6.QtCore import QItemSelectionModel, Qt

from mmdesk.core.jobs import Changes

pytestmark = pytest.mark.gui


def _select(window, row: int, *, current: bool = True) -> None:
    index = window.model.index(row)
    flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
    if current:
        window.view.selectionModel().setCurrentIndex(index, flags)
    else:
        window.view.selectionModel().select(index, flags)


def _shown(window) -> set[int]:
    return {r.item_id for r in window.model.results()}


def _assert_cleared(window) -> None:
    preview = window.preview
    assert preview.result is None and preview.item_ids == set()
    assert "Nothing selected" in preview.name.text()
    assert not preview.tag_area.isEnabled()
    assert not any(b.isEnabled() for b in preview.buttons.values())


def test_a_new_search_clears_the_preview_of_an_item_it_no_longer_shows(qtbot, settings, photos):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos)
    search(qtbot, window, "red")
    _select(window, 0)
    red = window.view.selected_results()[0]
    assert window.preview.result == red and window.preview.tag_area.isEnabled()
    search(qtbot, window, "blue")
    assert red.item_id not in _shown(window)
    _assert_cleared(window)


def test_a_filter_change_or_a_removed_folder_clears_the_preview(qtbot, settings, photos):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos)
    search(qtbot, window, "blue")
    tag_shown(qtbot, window, "sky")
    search(qtbot, window, "red")
    _select(window, 0)
    assert window.preview.result is not None
    with qtbot.waitSignal(window.results_shown, timeout=10_000):
        window.sidebar.tags.child(0).setSelected(True)  # only blue photos are "sky"
    _assert_cleared(window)
    _select(window, 0)
    assert window.preview.result is not None
    with qtbot.waitSignal(window.results_shown, timeout=10_000, check_params_cb=lambda n: n == 0):
        window.remove_folder(str(photos.resolve()), confirm=False)
    _assert_cleared(window)


def test_the_preview_follows_its_item_through_a_refresh(qtbot, settings, photos):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos)
    search(qtbot, window, "red")
    _select(window, 1)
    chosen = window.view.selected_results()[0]
    with qtbot.waitSignal(window.results_shown, timeout=10_000):
        window.run_search()  # the same query answered again, as a feed would
    assert window.view.selected_results() == [chosen]
    assert window.preview.result is not None and window.preview.result.item_id == chosen.item_id


def test_a_file_removed_by_a_rescan_leaves_the_grid_and_the_preview(qtbot, settings, photos):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos)
    search(qtbot, window, "red")
    _select(window, 0)
    gone = window.view.selected_results()[0]
    Path(gone.path).unlink()
    with qtbot.waitSignal(window.index_finished, timeout=60_000):
        window.rescan_all()
    wait_for(qtbot, lambda: gone.item_id not in _shown(window) and window.model.rowCount() > 0)
    _assert_cleared(window)


def test_a_tag_typed_for_items_no_longer_shown_is_never_applied_elsewhere(qtbot, settings, photos):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos)
    search(qtbot, window, "red")
    _select(window, 0)
    red = window.view.selected_results()[0]
    qtbot.keyClicks(window.preview.tag_edit, "sky")
    search(qtbot, window, "blue")  # the red photo leaves the grid before Enter
    assert window.preview.tag_edit.text() == ""
    assert "“sky” was not added" in window.notices.text.text()  # said, and it stays
    _select(window, 0)
    blue = window.view.selected_results()[0]
    qtbot.keyClick(window.preview.tag_edit, Qt.Key.Key_Return)
    qtbot.wait(200)
    assert window.library.tag_counts_for([red.item_id, blue.item_id]) == {}


def test_the_preview_buttons_act_on_the_item_the_preview_shows(qtbot, settings, photos):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos)
    search(qtbot, window, "red")
    _select(window, 0)  # current: row 0 ...
    _select(window, 2, current=False)  # ... but only row 2 is selected
    shown = window.model.result(2)
    assert window.view.current_result() != shown
    assert window.preview.result == shown
    with qtbot.waitSignal(window.results_shown, timeout=10_000):
        qtbot.mouseClick(window.preview.buttons["More like this"], Qt.MouseButton.LeftButton)
    assert window.navigation.showing is not None
    assert window.navigation.showing.similar == shown.item_id


def test_untagging_under_a_tag_filter_or_a_tag_change_refreshes_the_grid(qtbot, settings, photos):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos)
    assert not window.results_stale(Changes(tags=True))  # no tag filter: tiles do not change
    search(qtbot, window, "blue")
    tag_shown(qtbot, window, "sky")
    window.searchbar.edit.clear()
    with qtbot.waitSignal(window.results_shown, timeout=10_000, check_params_cb=lambda n: n == 3):
        window.sidebar.tags.child(0).setSelected(True)
    assert window.results_stale(Changes(tags=True))  # renamed, merged or deleted tags
    _select(window, 0)
    untagged = window.view.selected_results()[0].item_id
    with qtbot.waitSignal(window.results_shown, timeout=10_000, check_params_cb=lambda n: n == 2):
        window.tag_selected("sky", add=False)
    assert untagged not in _shown(window)
    _assert_cleared(window)


def test_a_file_deleted_on_disk_leaves_the_grid_while_watching(qtbot, settings, photos):
    window = open_window(qtbot, settings, watch=True)
    index_folder(qtbot, window, photos)
    wait_for(qtbot, lambda: window.model.rowCount() == 9, timeout=20_000)
    _select(window, 0)
    gone = window.view.selected_results()[0]
    Path(gone.path).unlink()
    wait_for(qtbot, lambda: window.model.rowCount() == 8, timeout=30_000)
    assert gone.item_id not in _shown(window)
    _assert_cleared(window)
    window.watching.set_enabled(False)


def test_the_indexing_summary_stays_until_dismissed(qtbot, settings, photos):
    (photos / "broken.jpg").write_bytes(b"these bytes are not a picture")
    window = open_window(qtbot, settings)
    report = index_folder(qtbot, window, photos)
    assert report.errors == 1
    bar = window.notices
    assert bar.isVisible()
    assert "9 new" in bar.text.text() and "1 unreadable" in bar.text.text()
    assert bar.link.isVisible() and bar.link.text() == "Show problems"
    search(qtbot, window, "red")  # the status line moves on; the notice does not
    window.say("something else")
    assert bar.isVisible() and "1 unreadable" in bar.text.text()
    qtbot.mouseClick(bar.link, Qt.MouseButton.LeftButton)
    from mmdesk.gui.problems import ProblemsDialog

    dialog = window.findChild(ProblemsDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.close()
    qtbot.mouseClick(bar.close_button, Qt.MouseButton.LeftButton)
    assert not bar.isVisible()


def test_a_clean_index_run_offers_no_problems_link(qtbot, settings, photos):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos / "red")
    assert window.notices.isVisible() and "3 new" in window.notices.text.text()
    assert not window.notices.link.isVisible()


# the GUI and the CLI agree ---------------------------------------------------------------------
@pytest.fixture()
def sample_photos(default_settings, skimage_photos: Path, tmp_path: Path) -> Path:
    import shutil

    from mmdesk.cli import main

    root = tmp_path / "photos"
    shutil.copytree(skimage_photos, root)
    assert main(["settings", "ocr", "off"]) == 0
    assert main(["index", str(root)]) == 0
    return root


def _cli_json(capsys, text: str) -> list[dict]:
    from mmdesk.cli import main

    capsys.readouterr()
    assert main(["search", text, "--json", "--local"]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_gui_and_the_cli_agree_on_no_good_matches(
    qtbot, default_settings, sample_photos, capsys
):
    assert _cli_json(capsys, "blorft quazzle") == []
    found = _cli_json(capsys, "a cat")
    assert found and Path(found[0]["path"]).stem == "chelsea"
    window = open_window(qtbot, default_settings)
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=20_000)  # browsing
    with qtbot.waitSignal(window.results_shown, timeout=30_000) as shown:
        window.searchbar.set_query("blorft quazzle")
        window.searchbar.search_now()
    assert shown.args == [0]
    assert window.view.empty.isVisible()
    assert "No good matches for “blorft quazzle”" in window.view.empty.text.text()
    with qtbot.waitSignal(window.results_shown, timeout=30_000) as shown:
        window.searchbar.set_query("a cat")
        window.searchbar.search_now()
    assert shown.args[0] > 0 and not window.view.empty.isVisible()
    assert Path(window.model.result(0).path).stem == "chelsea"
    gui = [r.path for r in window.model.results()]
    cli = [r["path"] for r in found]
    assert set(gui) <= set(cli) or set(cli) <= set(gui)  # the same matches, cut where shown
