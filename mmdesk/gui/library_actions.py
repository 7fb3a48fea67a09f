"""The window's library behaviour: add, remove and re-scan folders, index, tag.

A mixin of :class:`mmdesk.gui.window.MainWindow`. Every write goes to the runner's writer
thread through :class:`~mmdesk.core.library.Library`; what it changed comes back as
:class:`~mmdesk.core.jobs.Changes`, from which the views refresh themselves
(:mod:`mmdesk.gui.refreshing`). Here we only say what happened.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox

from mmdesk.core.indexing import IndexJob, IndexReport
from mmdesk.core.jobs import Changes
from mmdesk.core.library import Library
from mmdesk.core.paths import canonical, is_under
from mmdesk.core.tasks import Progress, TaskState
from mmdesk.gui.compat import emit
from mmdesk.gui.window_parts import WindowParts

LABEL_WRITES: dict[str, Callable[[Library, list[int], str], Changes]] = {
    "tag": Library.tag,
    "untag": Library.untag,
    "not": Library.tag_not,
    "accept": Library.accept,
    "reject": Library.reject,
}
LABEL_VERBS = {
    "tag": "Tagged",
    "untag": "Untagged",
    "not": "Marked as not",
    "accept": "Confirmed",
    "reject": "Rejected",
}
# What Edit > Undo says of each label write ("Undo tag “beach” on 3 items").
LABEL_UNDO = {
    "tag": "tag “{name}” on {n}",
    "untag": "untag “{name}” from {n}",
    "not": "not “{name}” on {n}",
    "accept": "confirm “{name}” on {n}",
    "reject": "reject “{name}” on {n}",
}


def _overlap(a: str, b: str) -> bool:
    return is_under(a, b) or is_under(b, a)


class LibraryActions(WindowParts):
    """Folders, indexing and tags."""

    def _init_library(self) -> None:
        self._roots: dict[TaskState, list[str]] = {}
        self.runner.progress.connect(self._progress)
        self.runner.busy_changed.connect(self.progress.set_busy)
        self.progress.pause_clicked.connect(self.toggle_pause)
        self.progress.cancel_clicked.connect(self.cancel_indexing)
        self.sidebar.rescan_requested.connect(lambda p: self.index([p]))
        self.sidebar.remove_requested.connect(self.remove_folder)
        for signal, how in (
            (self.preview.tag_added, "tag"),
            (self.preview.tag_removed, "untag"),
            (self.preview.tag_not_requested, "not"),
            (self.preview.accept_requested, "accept"),
            (self.preview.reject_requested, "reject"),
        ):
            signal.connect(lambda name, how=how: self.label_selected(name, how))

    # folders ----------------------------------------------------------------------------------
    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder to the library")
        if folder:
            self.add_folder(Path(folder))

    def add_folder(self, folder: Path) -> None:
        """Show the folder at once, then index it in the background."""
        path = canonical(folder)
        self.runner.write(lambda library: library.add_folder(path))
        self.index([path])

    def index(self, roots: list[str]) -> TaskState:
        """Index ``roots`` on the writer; returns the state that pauses or cancels the run."""
        job = IndexJob([Path(r) for r in roots])
        state = self.runner.run_job(
            job,
            lambda _: self._indexed(state, job.report),
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
        if confirm and not self._confirm_removal(path):
            return
        resume: list[str] = []
        for state, roots in list(self._roots.items()):
            if any(_overlap(r, path) for r in roots):
                state.cancel()
                resume += [r for r in roots if not is_under(r, path)]
        self.runner.write(
            lambda library: library.remove_folder(path, undoable=True),
            lambda _: self._removed(path, resume),
            nestable=False,
        )

    def _confirm_removal(self, path: str) -> bool:
        answer = QMessageBox.question(
            self,
            "Remove folder",
            f"Remove {path} from the library?\n\nThe photos stay on disk; their tags and "
            "index entries are forgotten when mmdesk closes (Edit > Undo brings them back).",
        )
        return answer == QMessageBox.StandardButton.Yes

    def _removed(self, path: str, resume: list[str]) -> None:
        self.undo.folder_removed(path, Path(path).name or path)
        self.say(f"Removed {path} from the library")
        if resume:
            self.index(resume)

    # indexing ---------------------------------------------------------------------------------
    def _progress(self, progress: Progress) -> None:
        self.progress.show_progress(progress)

    def _indexed(self, state: TaskState, report: IndexReport) -> None:
        """The run's summary goes to the notice bar (it stays until dismissed, with "Show
        problems" when files were unreadable), which follows ``index_finished``."""
        self._roots.pop(state, None)
        emit(self.index_finished, report)

    def _index_failed(self, state: TaskState, exc: BaseException) -> None:
        self._roots.pop(state, None)
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
        self.label_selected(name, "tag" if add else "untag")

    def label_selected(self, name: str, how: str = "tag") -> None:
        """Say every selected item is (``tag``, ``accept``) or is not (``not``, ``reject``)
        ``name``, or forget what was said (``untag``): one write on the writer."""
        self.label_items([r.item_id for r in self.view.selected_results()], name, how)

    def label_items(self, item_ids: list[int], name: str | list[str], how: str = "tag") -> None:
        """:meth:`label_selected` for any items (dropped on a tag in the sidebar) and one or
        several tags ("beach, sea" typed in the tag box): one write on the writer, one step
        of Edit > Undo."""
        ids, names = list(item_ids), [name] if isinstance(name, str) else list(name)
        if not ids or not names:
            return
        write = LABEL_WRITES[how]
        n = f"{len(ids)} item{'s' * (len(ids) != 1)}"

        def edit(library: Library) -> Changes:
            changes = Changes()
            for each in names:
                changes = changes | write(library, ids, each)
            return changes

        self.undo.tag_edit(
            LABEL_UNDO[how].format(name="”, “".join(names), n=n),
            names,
            ids,
            edit,
            lambda _: self._labelled("”, “".join(names), how, len(ids)),
        )

    def _labelled(self, name: str, how: str, count: int) -> None:
        self.say(f"{LABEL_VERBS[how]} {count} item{'s' * (count != 1)} “{name}”")

    def update_preview(self) -> None:
        """The preview as :class:`Refreshing` shows it, plus the current item's predicted and
        "not" labels, shown apart from the confirmed tags."""
        super().update_preview()
        current = self.preview.result
        self.preview.show_labels(self.library.labels_for(current.item_id) if current else [])
