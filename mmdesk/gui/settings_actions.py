"""The window's plugin and settings dialogs, applying what the person chose, and saving the
captions a person corrects in the preview.

A mixin of :class:`mmdesk.gui.window.MainWindow`. Device and threads are kept with
:meth:`Settings.save` (beside the database, shared with the CLI); the embedding space, OCR and
captioning are library settings, switched on the writer (:meth:`Library.use_space`,
:meth:`Library.set_ocr_enabled`, :meth:`Library.set_captioner`), whose Changes refresh the views.

A new data folder cannot move a library that is open: it is written as ``data_dir`` into the
``settings.json`` of the default data folder, which is where the next start looks first, and the
window says it takes effect after a restart. The Help menu's dialogs live here too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mmdesk.config import SAVED, default_data_dir
from mmdesk.core.jobs import Changes
from mmdesk.core.library import Library
from mmdesk.errors import MmdeskError
from mmdesk.gui.dialogs import (
    RESTART_NOTE,
    HelpDialog,
    PluginsDialog,
    RuntimeChoices,
    SettingsDialog,
    about_html,
    shortcuts_html,
)
from mmdesk.gui.tasks import session_threads
from mmdesk.gui.window_parts import WindowParts


def save_data_dir(folder: str, saved_in: Path | None = None) -> Path:
    """Remember ``folder`` as the data folder for the next start, keeping the other saved
    settings of that file; returns the file written.

    Raises:
        MmdeskError: the settings file cannot be written.
    """
    path = (saved_in or default_data_dir()) / SAVED
    try:
        data = json.loads(path.read_text()) if path.exists() else {}
    except (OSError, ValueError):
        data = {}
    data = data if isinstance(data, dict) else {}
    data["data_dir"] = str(Path(folder).expanduser())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=1))
    except OSError as exc:
        raise MmdeskError(f"cannot save the new data folder in {path}: {exc}") from exc
    return path


class SettingsActions(WindowParts):
    """Plugins, runtime and library settings, a person's captions, and the Help dialogs."""

    def _init_settings(self) -> None:
        self.preview.caption_saved.connect(self.save_caption)

    def save_caption(self, item_id: int, text: str) -> None:
        """Keep a person's caption; the preview and results refresh from its Changes."""
        self.runner.write(
            lambda library: library.set_caption(item_id, text),
            lambda _: self.say("Caption saved"),
        )

    def show_plugins(self) -> None:
        dialog = PluginsDialog(self.library.plugins(), self)
        dialog.exec()
        dialog.deleteLater()

    def show_about(self) -> None:
        """Help → About: versions, installed models and the licences of bundled weights."""
        self._help("About mmdesk", about_html(self.library.plugins()))

    def show_shortcuts(self, shortcuts: list[tuple[str, str]]) -> None:
        self._help("Keyboard shortcuts", shortcuts_html(shortcuts))

    def _help(self, title: str, html: str) -> None:
        dialog = HelpDialog(title, html, self)
        dialog.exec()
        dialog.deleteLater()

    def show_settings(self) -> None:
        dialog = SettingsDialog(self._runtime_choices(), self)
        if dialog.exec():
            self.apply_settings(dialog.result_choices())
        dialog.deleteLater()

    def _runtime_choices(self) -> RuntimeChoices:
        from mmdesk.plugins.session import available_providers

        spaces = sorted(k for k, v in self.library.spaces().items() if v.searchable)
        try:
            space = self.library.space()
        except MmdeskError:  # no usable model: the dialog still opens, showing none
            space = None
        used: dict[str, Any] = self.library.providers(space) if space else {}
        return RuntimeChoices(
            self.settings.device,
            self.settings.threads,
            space.id if space else None,
            spaces,
            used,
            available_providers(),
            str(self.settings.data_dir),
            ocr=self.library.ocr_enabled(),
            caption_new=self.library.caption_new_enabled(),
            captioner=self.library.chosen_captioner(),
            captioners=self.library.captioners(),
            transcripts=self.library.setting("transcripts") == "on",
            video_gap=float(self.library.setting("video.max_gap")),
            video_sensitivity=float(self.library.setting("video.sensitivity")),
        )

    def apply_settings(self, choices: RuntimeChoices) -> None:
        """Keep the choices; models reload with them on next use (after running work)."""
        self.settings.device, self.settings.threads = choices.device, choices.threads
        try:
            self.settings.save()
            if choices.data_dir != str(self.settings.data_dir):
                save_data_dir(choices.data_dir)
        except MmdeskError as exc:
            self.show_error(exc)
        self.runner.write(
            lambda library: self._apply(library, choices), self._applied(choices), nestable=False
        )

    def _apply(self, library: Library, choices: RuntimeChoices) -> Changes:
        """On the writer: new session options for every model, then the space switch."""
        library.set_runtime(choices.device, session_threads(choices.threads), spinning=False)
        library.set_ocr_enabled(choices.ocr)
        library.set_caption_new_enabled(choices.caption_new)
        library.set_setting("transcripts", "on" if choices.transcripts else "off")
        for key, value in (
            ("video.max_gap", choices.video_gap),
            ("video.sensitivity", choices.video_sensitivity),
        ):
            if abs(float(library.setting(key)) - value) > 1e-9:
                library.set_setting(key, f"{value:g}")
        if choices.captioners and choices.captioner != library.chosen_captioner():
            library.set_captioner(choices.captioner)
        if choices.space and choices.space != library.space().id:
            return library.use_space(choices.space)
        return Changes()

    def _applied(self, choices: RuntimeChoices) -> Callable[[object], None]:
        def applied(_: object) -> None:
            pending = self.library.pending_space()
            if choices.space and pending is not None and pending.id == choices.space:
                self.say(
                    f"Indexing the library for {choices.space}; searching with the "
                    "current model until that is done"
                )
                self.rescan_all()
            elif choices.data_dir != str(self.settings.data_dir):
                self.say(f"Settings applied; the new data folder {RESTART_NOTE}")
            else:
                self.say("Settings applied")

        return applied
