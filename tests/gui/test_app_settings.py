"""Settings are resolved once and saved with Settings.save(); gui.ini's old runtime keys are
taken over once; the environment is never written."""

from __future__ import annotations

import json
import os

import pytest
from helpers import open_window
from PySide6.QtCore import QSettings

from mmdesk.config import SAVED
from mmdesk.gui.app import gui_settings, resolve_settings
from mmdesk.gui.dialogs import RuntimeChoices

pytestmark = pytest.mark.gui


@pytest.fixture()
def no_runtime_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MMDESK_DEVICE", "MMDESK_THREADS", "MMDESK_BATCH"):
        monkeypatch.delenv(name, raising=False)


def _old_ini(data_dir, device: str, threads: int) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    old = QSettings(str(data_dir / "gui.ini"), QSettings.Format.IniFormat)
    old.setValue("runtime/device", device)
    old.setValue("runtime/threads", threads)
    old.sync()


def test_old_gui_ini_runtime_settings_are_taken_once(settings, no_runtime_env):
    _old_ini(settings.data_dir, "cpu", 1)
    resolved = resolve_settings()
    assert (resolved.device, resolved.threads) == ("cpu", 1)
    assert json.loads((settings.data_dir / SAVED).read_text())["device"] == "cpu"
    assert not gui_settings(settings.data_dir).contains("runtime/device")
    assert "MMDESK_DEVICE" not in os.environ and "MMDESK_THREADS" not in os.environ


def test_saved_settings_win_over_leftovers_in_gui_ini(settings, no_runtime_env):
    _old_ini(settings.data_dir, "cuda", 1)
    (settings.data_dir / SAVED).write_text(json.dumps({"device": "auto", "threads": 0}))
    resolved = resolve_settings()
    assert (resolved.device, resolved.threads) == ("auto", 0)


def test_the_settings_dialog_choices_are_saved_for_the_next_start(qtbot, settings, no_runtime_env):
    window = open_window(qtbot, settings)
    choices = window._runtime_choices()
    changed = RuntimeChoices(**{**choices.__dict__, "device": "cpu", "threads": 1})
    window.apply_settings(changed)
    # the write is done (the status line may say something else by then: watching, search)
    qtbot.waitUntil(lambda: not window.runner._waiting, timeout=10_000)
    assert json.loads((settings.data_dir / SAVED).read_text())["device"] == "cpu"
    assert resolve_settings().device == "cpu"
    assert "MMDESK_DEVICE" not in os.environ


def test_speech_and_video_sampling_choices_become_library_settings(qtbot, settings, no_runtime_env):
    from mmdesk.gui.dialogs import SettingsDialog

    window = open_window(qtbot, settings)
    choices = window._runtime_choices()
    assert choices.transcripts and choices.video_gap == 10.0
    dialog = SettingsDialog(choices, window)
    dialog.transcripts.setChecked(False)
    dialog.video_gap.setValue(4.0)
    window.apply_settings(dialog.result_choices())
    # the write is done (the status line may say something else by then: watching, search)
    qtbot.waitUntil(lambda: not window.runner._waiting, timeout=10_000)
    assert window.library.setting("transcripts") == "off"
    assert window.library.setting("video.max_gap") == "4"
    assert window.library.setting("video.sensitivity") == "0.5"  # untouched
    dialog.deleteLater()


def test_a_data_folder_chosen_in_settings_is_used_on_the_next_start(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mmdesk import config
    from mmdesk.gui.settings_actions import save_data_dir

    monkeypatch.delenv("MMDESK_DATA_DIR", raising=False)
    home = tmp_path / "default-data"
    monkeypatch.setattr(config, "default_data_dir", lambda: home)
    assert config.Settings.resolve().data_dir == home
    save_data_dir(str(tmp_path / "elsewhere"), saved_in=home)
    assert config.Settings.resolve().data_dir == tmp_path / "elsewhere"
    monkeypatch.setenv("MMDESK_DATA_DIR", str(tmp_path / "env"))  # the environment still wins
    assert config.Settings.resolve().data_dir == tmp_path / "env"
