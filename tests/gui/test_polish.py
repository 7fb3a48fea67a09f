"""Polish: the tile size control, search-box keys, settings in words, Help, opening many."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import index_folder, many_photos, open_window, wait_for
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QStandardItemModel, QWheelEvent
from PySide6.QtWidgets import QApplication, QSlider

from mmdesk.gui import dialogs, search_actions
from mmdesk.gui.dialogs import PluginsDialog, RuntimeChoices, SettingsDialog, about_html
from mmdesk.gui.menus import shortcut_list
from mmdesk.gui.settings_actions import save_data_dir
from mmdesk.plugins.discovery import Discovered

pytestmark = pytest.mark.gui


def slider(window) -> QSlider:
    found = window.findChild(QSlider, "tile-size")
    assert found is not None
    return found


def test_tile_size_follows_slider_keys_and_wheel_and_is_remembered(qtbot, settings):
    window = open_window(qtbot, settings)
    grid, size = window.view, slider(window)
    start = grid.gridSize().width()
    size.setValue(start + 60)
    assert grid.gridSize().width() == start + 60 == grid.tile_edge()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    grid.setFocus()
    qtbot.keyClick(grid, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert grid.gridSize().width() == start + 84 and size.value() == start + 84
    qtbot.keyClick(grid, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert grid.gridSize().width() == start + 60
    centre = QPointF(10, 10)
    wheel = QWheelEvent(
        centre, grid.mapToGlobal(centre), QPoint(0, 0), QPoint(0, -120),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.ControlModifier,
        Qt.ScrollPhase.NoScrollPhase, False,
    )  # fmt: skip
    QApplication.sendEvent(grid.viewport(), wheel)
    assert grid.gridSize().width() == start + 36
    window.close()
    again = open_window(qtbot, settings)
    assert again.view.gridSize().width() == start + 36 and slider(again).value() == start + 36


def test_square_tiles_and_facts_change_the_cell(qtbot, settings):
    window = open_window(qtbot, settings)
    grid = window.view
    edge = grid.tile_edge()
    tall = grid.gridSize().height()
    grid.set_facts(True)
    assert grid.gridSize().height() > tall
    grid.set_square(True)
    assert grid.gridSize().height() == grid.gridSize().width() == edge


def test_esc_clears_the_search_and_down_focuses_the_results(qtbot, settings, photos):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos)
    edit = window.searchbar.edit
    qtbot.keyClicks(edit, "red")
    qtbot.keyClick(edit, Qt.Key.Key_Escape)
    assert edit.text() == ""
    wait_for(qtbot, lambda: window.model.rowCount() == 9)
    window.view.setCurrentIndex(window.model.index(-1))
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_Down)
    assert window.focusWidget() is window.view
    assert window.view.currentIndex().row() == 0
    assert edit.nextInFocusChain() is window.view or window.view in _chain_after(edit, 3)


def _chain_after(widget, count):
    chain, current = [], widget
    for _ in range(count):
        current = current.nextInFocusChain()
        chain.append(current)
    return chain


def test_gpu_choice_is_disabled_and_explained_without_cuda(qtbot):
    choices = RuntimeChoices("cuda", 0, None, [], {}, ["CPUExecutionProvider"], "/data")
    dialog = SettingsDialog(choices)
    qtbot.addWidget(dialog)
    box = dialog.device
    labels = [box.itemText(i) for i in range(box.count())]
    assert labels[0] == "Automatic" and labels[1] == "This computer's processor"
    model = box.model()
    assert isinstance(model, QStandardItemModel)
    gpu = model.item(box.findData("cuda"))
    assert not gpu.isEnabled() and "CUDA" in gpu.toolTip()
    assert box.currentData() == "auto"  # a saved GPU choice this machine cannot honour
    assert dialog.threads.text() == "Automatic"
    dialog.set_data_dir("/elsewhere")
    assert dialog.result_choices().data_dir == "/elsewhere"
    assert "restart" in dialog.data_note.text()
    with_cuda = SettingsDialog(
        RuntimeChoices("cuda", 2, None, [], {}, ["CUDAExecutionProvider"], "/data")
    )
    qtbot.addWidget(with_cuda)
    assert with_cuda.device.currentData() == "cuda"


def test_a_new_data_folder_is_saved_for_the_next_start(tmp_path):
    (tmp_path / "settings.json").write_text(json.dumps({"device": "cpu"}))
    written = save_data_dir(str(tmp_path / "new"), saved_in=tmp_path)
    assert json.loads(written.read_text()) == {"device": "cpu", "data_dir": str(tmp_path / "new")}


def test_about_lists_the_installed_models_and_licences(qtbot, settings):
    window = open_window(qtbot, settings)
    found = window.library.plugins()
    html = about_html(found)
    names = [d.manifest.name for d in found if d.manifest]
    assert names and all(name in html for name in names)
    assert "Whisper tiny.en" in html and "PP-OCR" in html and "ONNX Runtime" in html
    keys = dict(shortcut_list(window))
    assert keys["Ctrl+O"] == "Open externally" and "F11" in keys


def test_plugins_dialog_shows_the_whole_error(qtbot, tmp_path):
    error = "plugin.toml: " + "a very long reason " * 30 + "THE END"
    dialog = PluginsDialog([Discovered(tmp_path / "broken", "user", None, error)])
    qtbot.addWidget(dialog)
    assert dialog.tree.topLevelItem(0).text(2) == "broken"
    assert "THE END" in dialog.details.toPlainText() and dialog.details.isReadOnly()


def test_opening_more_than_ten_externally_asks_first(qtbot, settings, tmp_path, monkeypatch):
    opened: list[str] = []
    asked: list[int] = []
    monkeypatch.setattr(
        search_actions.QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile())
    )
    monkeypatch.setattr(dialogs, "ask_open_many", lambda parent, n: asked.append(n) or False)
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, many_photos(tmp_path / "many", 11))
    wait_for(qtbot, lambda: window.model.rowCount() == 11)
    window.view.selectAll()
    window.open_selected()
    assert asked == [11] and opened == []
    monkeypatch.setattr(dialogs, "ask_open_many", lambda parent, n: True)
    window.open_selected()
    assert len(opened) == 11 and all(Path(p).exists() for p in opened)


def test_a_tile_s_facts_line_says_the_date_and_score():
    from mmdesk.core.search import Result
    from mmdesk.gui.results import facts_line

    taken = Result(1, "/p/a.jpg", 0.4567, "image", None, None, {"taken_at": "2021-06-05T10:00"})
    assert facts_line(taken) == "2021-06-05 · 0.457"  # the CLI's scale (mmdesk.gui.scores)
    browsed = Result(2, "/p/b.jpg", float("nan"), "image", None, None, {})
    assert facts_line(browsed) == ""


def test_the_window_opens_with_the_model_runtime_already_loaded(tmp_path):
    """onnxruntime's 20 MB extension is loaded before the window shows, never by the first
    index run while the window is on screen (loading it holds the GIL)."""
    import os
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from mmdesk.config import Settings\n"
        "from mmdesk.gui.app import make_app, open_window\n"
        "app = make_app()\n"
        "assert 'onnxruntime' not in sys.modules\n"
        "window = open_window(Settings())\n"
        "print(sorted(m for m in ('onnxruntime', 'tokenizers') if m in sys.modules))\n"
        "window.close()\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MMDESK_DATA_DIR=str(tmp_path / "d"))
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "['onnxruntime', 'tokenizers']"
