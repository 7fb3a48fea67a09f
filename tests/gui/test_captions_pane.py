"""Captions in the preview: shown with who wrote them, edited and saved, kept through
re-captioning and through refreshes while a person types; OCR text and transcripts apart; the
settings dialog's OCR and captioner choices reach the library."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import index_folder, open_window, search, wait_for
from mmdesk_testing import build_captioner_plugin

from mmdesk.config import Settings
from mmdesk.core.library import Library
from mmdesk.gui.dialogs import RuntimeChoices, SettingsDialog

pytestmark = pytest.mark.gui


@pytest.fixture()
def cap_settings(tmp_path: Path, toy_plugin_dir: Path, monkeypatch: pytest.MonkeyPatch):
    """The toy model, and a plugin of plain code with a label-based and a sentence captioner."""
    from mmdesk import config

    plugins = tmp_path / "plugins"
    shutil.copytree(toy_plugin_dir / "toy", plugins / "toy")
    build_captioner_plugin(plugins / "cap")
    monkeypatch.setenv("MMDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MMDESK_PLUGIN_PATH", str(plugins))
    monkeypatch.setattr(config, "BUNDLED_PLUGINS", tmp_path / "no-bundled-plugins")
    settings = config.Settings(threads=1)
    with Library(settings) as lib:
        lib.set_captioner("cap/guess")
    return settings


def _show_first_red(qtbot, window) -> int:
    search(qtbot, window, "red")
    window.view.setCurrentIndex(window.model.index(0, 0))
    wait_for(qtbot, lambda: window.preview.result is not None)
    return window.preview.result.item_id


def test_a_label_based_caption_is_marked_and_a_saved_edit_survives_recaptioning(
    qtbot, cap_settings: Settings, photos: Path
) -> None:
    window = open_window(qtbot, cap_settings)
    index_folder(qtbot, window, photos)
    item = _show_first_red(qtbot, window)
    area = window.preview.text_area
    wait_for(qtbot, lambda: area.caption.toPlainText() == "a picture by cap/guess")
    assert "Label-based" in area.note.text() and "cap/guess" in area.note.text()
    assert not area.save.isEnabled()  # nothing edited yet
    area.caption.setPlainText("my red cup")
    assert area.save.isEnabled()
    with qtbot.waitSignal(window.runner.changed, timeout=10_000) as changed:
        area.save.click()
    assert changed.args[0].texts
    wait_for(qtbot, lambda: area.note.text().startswith("Your caption"))
    assert window.library.captions_for([item])[item] == {
        "caption": "my red cup",
        "producer": "user",
    }
    assert not area.save.isEnabled()
    with qtbot.waitSignal(window.runner.changed, timeout=10_000):
        window.runner.write(lambda lib: lib.caption(redo=True))
    qtbot.wait(100)  # the preview's feed refreshes a moment after
    assert window.library.captions_for([item])[item]["producer"] == "user"
    assert area.caption.toPlainText() == "my red cup"


def test_an_unsaved_edit_survives_refreshes_and_moving_away(
    qtbot, cap_settings: Settings, photos: Path
) -> None:
    window = open_window(qtbot, cap_settings)
    index_folder(qtbot, window, photos)
    _show_first_red(qtbot, window)
    area = window.preview.text_area
    wait_for(qtbot, lambda: area.caption.toPlainText() == "a picture by cap/guess")
    area.caption.setPlainText("half-typed")
    with qtbot.waitSignal(window.runner.changed, timeout=10_000):
        window.runner.write(lambda lib: lib.caption(redo=True))  # publishes texts=True
    qtbot.wait(100)  # the preview's feed refreshes a moment after
    assert area.caption.toPlainText() == "half-typed" and area.save.isEnabled()
    window.view.setCurrentIndex(window.model.index(1, 0))  # away: the other item's caption
    assert area.caption.toPlainText() == "a picture by cap/guess" and not area.save.isEnabled()
    window.view.setCurrentIndex(window.model.index(0, 0))  # and back: the draft again
    assert area.caption.toPlainText() == "half-typed"
    area.revert.click()
    assert area.caption.toPlainText() == "a picture by cap/guess"


def test_texts_other_than_the_caption_show_apart_and_boxes_still_toggle(
    qtbot, cap_settings: Settings, photos: Path
) -> None:
    window = open_window(qtbot, cap_settings)
    index_folder(qtbot, window, photos)
    _show_first_red(qtbot, window)
    pane = window.preview
    box = [[2, 2], [30, 2], [30, 12], [2, 12]]
    texts = [
        {"source": "caption", "producer": "cap/words", "text": "a red square"},
        {
            "source": "ocr",
            "producer": "r",
            "text": "EXIT ONLY",
            "meta": {"size": [64, 64], "lines": [{"text": "EXIT ONLY", "box": box, "score": 0.9}]},
        },
        {"source": "transcript", "producer": "w", "text": "hello there"},
    ]
    pane.show_results([pane.result], {}, texts)
    others = pane.texts.toPlainText()
    assert "Text in image" in others and "EXIT ONLY" in others
    assert "Spoken" in others and "hello there" in others
    assert "a red square" not in others  # the caption has its own editable field
    assert pane.text_area.caption.toPlainText() == "a red square"
    assert pane.text_area.note.text() == "By cap/words: correct it here."
    assert pane.show_boxes.isEnabled()
    wait_for(qtbot, lambda: pane._pixmap is not None)
    plain = pane.image.pixmap().toImage()
    pane.show_boxes.setChecked(True)
    wait_for(qtbot, lambda: pane.image.pixmap().toImage() != plain)  # the box is drawn over it


def test_settings_choose_ocr_and_captioner(qtbot, cap_settings: Settings) -> None:
    window = open_window(qtbot, cap_settings)
    choices = window._runtime_choices()
    assert [(c["id"], c["label_based"]) for c in choices.captioners] == [
        ("cap/guess", True),
        ("cap/words", False),
    ]
    assert choices.ocr and choices.caption_new and choices.captioner == "cap/guess"
    dialog = SettingsDialog(choices)
    qtbot.addWidget(dialog)
    assert "label-based" in dialog.captioner.itemText(dialog.captioner.currentIndex())
    dialog.ocr.setChecked(False)
    dialog.caption_new.setChecked(False)
    dialog.captioner.setCurrentIndex(dialog.captioner.findData("cap/words"))
    window.apply_settings(dialog.result_choices())
    lib = window.library
    wait_for(qtbot, lambda: lib.active_captioner() == "cap/words")
    assert not lib.ocr_enabled() and not lib.caption_new_enabled()
    back = RuntimeChoices(**{**window._runtime_choices().__dict__, "captioner": None})
    window.say("")
    window.apply_settings(back)
    wait_for(qtbot, lambda: lib.chosen_captioner() is None)
