"""The window's library behaviour: add, remove and re-scan folders, index, tag, settings.

A mixin of :class:`mmdesk.gui.window.MainWindow`. Every write goes to the runner's writer
thread; the sidebar and results refresh when the writer answers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QMessageBox

from mmdesk.core.indexer import IndexReport
from mmdesk.core.library import Library
from mmdesk.core.tasks import Progress, TaskState
from mmdesk.gui import queries
from mmdesk.gui.compat import emit
from mmdesk.gui.dialogs import PluginsDialog, RuntimeChoices, SettingsDialog
from mmdesk.gui.window_parts import WindowParts


def _under(path: str, folder: str) -> bool:
    folder = folder.rstrip("/")
    return path == folder or path.startswith(folder + "/")


class LibraryActions(WindowParts):
    """Folders, indexing, tags and runtime settings."""

    def _init_library(self) -> None:
        self._roots: dict[TaskState, list[str]] = {}
        self.runner.progress.connect(self._progress)
        self.runner.busy_changed.connect(self.progress.set_busy)
        self.progress.pause_clicked.connect(self.toggle_pause)
        self.progress.cancel_clicked.connect(self.cancel_indexing)
        self.sidebar.rescan_requested.connect(lambda p: self.index([p]))
        self.sidebar.remove_requested.connect(self.remove_folder)
        self.preview.tag_added.connect(lambda name: self.tag_selected(name, add=True))
        self.preview.tag_removed.connect(lambda name: self.tag_selected(name, add=False))

    def refresh_sidebar(self) -> None:
        folders, tags, kinds = queries.sidebar_content(self.library.store)
        self.sidebar.set_content(folders, tags, kinds)
        self.preview.set_known_tags([name for name, _ in tags])
        emit(self.library_changed)

    # folders ----------------------------------------------------------------------------------
    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder to the library")
        if folder:
            self.add_folder(Path(folder))

    def add_folder(self, folder: Path) -> None:
        """Show the folder at once, then index it in the background."""
        path = Path(folder).expanduser().resolve()
        self.runner.write(
            lambda library: library.store.add_folder(path), lambda _: self.refresh_sidebar()
        )
        self.index([str(path)])

    def index(self, roots: list[str]) -> TaskState:
        state = self.runner.index(
            [Path(r) for r in roots],
            lambda report: self._indexed(state, report),
            lambda exc: self._index_failed(state, exc),
        )
        self._roots[state] = list(roots)
        self.say(f"Indexing {', '.join(Path(r).name for r in roots)} in the background…")
        return state

    def rescan_all(self) -> None:
        folders = self.sidebar.folder_paths()
        if folders:
            self.index(folders)

    def remove_folder(self, path: str, confirm: bool = True) -> None:
        """Forget a folder: its items leave the results; indexing of it stops first."""
        if (
            confirm
            and QMessageBox.question(
                self,
                "Remove folder",
                f"Remove {path} from the library?\n\nThe photos stay on "
                "disk; their tags and index entries are forgotten.",
            )
            != QMessageBox.StandardButton.Yes
        ):
            return
        resume: list[str] = []
        for state, roots in list(self._roots.items()):
            if any(_under(r, path) or _under(path, r) for r in roots):
                state.cancel()
                resume += [r for r in roots if not _under(r, path)]
        self.runner.write(
            lambda library: library.store.remove_folder(path),
            lambda removed: self._removed(path, removed, resume),
            nestable=False,
        )

    def _removed(self, path: str, removed: int, resume: list[str]) -> None:
        self.say(f"Removed {path} ({removed} files forgotten)")
        self.refresh_sidebar()
        self.run_search()
        if resume:
            self.index(resume)

    # indexing ---------------------------------------------------------------------------------
    def _progress(self, progress: Progress) -> None:
        self.progress.show_progress(progress)
        if progress.done:
            self.refresh_sidebar()
            self.rerun_soon()

    def _indexed(self, state: TaskState, report: IndexReport) -> None:
        self._roots.pop(state, None)
        what = "stopped" if report.cancelled else "done"
        self.say(
            f"Indexing {what}: {report.indexed} new, {report.skipped} unchanged, "
            f"{report.errors} unreadable, {report.missing} missing "
            f"({report.seconds:.1f} s)"
        )
        self.refresh_sidebar()
        self.run_search()
        emit(self.index_finished, report)

    def _index_failed(self, state: TaskState, exc: BaseException) -> None:
        self._roots.pop(state, None)
        self.refresh_sidebar()
        self.show_error(exc)
        emit(self.index_finished, exc)

    def toggle_pause(self) -> None:
        if self.runner.paused:
            self.runner.resume()
        else:
            self.runner.pause()
        self.progress.set_paused(self.runner.paused)

    def cancel_indexing(self) -> None:
        self.runner.cancel()
        self.say("Stopping indexing…")

    # tags -------------------------------------------------------------------------------------
    def tag_selected(self, name: str, add: bool = True) -> None:
        """Add or remove a tag on every selected item (one transaction on the writer)."""
        ids = [r.item_id for r in self.view.selected_results()]
        if not ids:
            return

        def job(library: Library) -> None:
            if add:
                library.store.add_label(ids, name)
            else:
                library.store.remove_label(ids, name)

        self.runner.write(job, lambda _: self._tagged(name, add, len(ids)))

    def _tagged(self, name: str, add: bool, count: int) -> None:
        verb = "Tagged" if add else "Untagged"
        self.say(f"{verb} {count} item{'s' * (count != 1)} “{name}”")
        self.refresh_sidebar()
        self.update_preview()

    # dialogs ----------------------------------------------------------------------------------
    def show_plugins(self) -> None:
        dialog = PluginsDialog(self.library.registry.discovered(), self)
        dialog.exec()
        dialog.deleteLater()

    def show_settings(self) -> None:
        dialog = SettingsDialog(self._runtime_choices(), self)
        if dialog.exec():
            self.apply_settings(dialog.result_choices())
        dialog.deleteLater()

    def _runtime_choices(self) -> RuntimeChoices:
        from mmdesk.plugins.session import available_providers

        registry = self.library.registry
        spaces = sorted(k for k, v in registry.spaces().items() if v.searchable)
        used: dict[str, Any] = {}
        try:
            space = self.library.space()
        except Exception:  # no usable model: the dialog still opens, showing none
            space = None
        for spec in space.encoders.values() if space else ():
            used[spec.id] = getattr(registry.encoder(spec.id), "provider", None)
        active = space.id if space else None
        return RuntimeChoices(
            self.settings.device,
            self.settings.threads,
            active,
            spaces,
            used,
            available_providers(),
            str(self.settings.data_dir),
        )

    def apply_settings(self, choices: RuntimeChoices) -> None:
        """Persist the choices; models reload with them on next use (after running work)."""
        from mmdesk.plugins.session import SessionOptions

        self.qsettings.setValue("runtime/device", choices.device)
        self.qsettings.setValue("runtime/threads", choices.threads)
        self.settings.device, self.settings.threads = choices.device, choices.threads
        registry = self.library.registry

        def job(library: Library) -> bool:
            registry.options = SessionOptions(choices.device, choices.threads, spinning=False)
            registry.refresh()
            if choices.space and choices.space != library.space().id:
                return library.use_space(choices.space)
            return True

        def applied(switched: object) -> None:
            if switched:
                self.say("Settings applied")
            else:  # the new model needs its own index: build it; search keeps the old one
                self.say(
                    f"Indexing the library for {choices.space}; searching with the "
                    "current model until that is done"
                )
                self.rescan_all()
            self.run_search()

        self.runner.write(job, applied, nestable=False)
