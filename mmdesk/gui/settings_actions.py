"""The window's plugin and settings dialogs, and applying what the person chose.

A mixin of :class:`mmdesk.gui.window.MainWindow`. Device and threads are kept with
:meth:`Settings.save` (beside the database, shared with the CLI); the embedding space is switched
on the writer through :meth:`Library.use_space`, whose Changes refresh the views.
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
    """Plugins and runtime settings."""

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
