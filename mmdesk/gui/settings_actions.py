"""The window's plugin and settings dialogs, applying what the person chose, and saving the
captions a person corrects in the preview.

A mixin of :class:`mmdesk.gui.window.MainWindow`. Device and threads are kept with
:meth:`Settings.save` (beside the database, shared with the CLI); the embedding space, OCR and
captioning are library settings, switched on the writer (:meth:`Library.use_space`,
:meth:`Library.set_ocr_enabled`, :meth:`Library.set_captioner`), whose Changes refresh the views.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mmdesk.core.jobs import Changes
from mmdesk.core.library import Library
from mmdesk.errors import MmdeskError
from mmdesk.gui.dialogs import PluginsDialog, RuntimeChoices, SettingsDialog
from mmdesk.gui.tasks import session_threads
from mmdesk.gui.window_parts import WindowParts


class SettingsActions(WindowParts):
    """Plugins, runtime and library settings, and a person's captions."""

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
            else:
                self.say("Settings applied")

        return applied
