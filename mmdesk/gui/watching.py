"""The app keeps its library folders current: a folder watcher feeding the task runner.

The core :class:`~mmdesk.core.watch.FolderWatcher` hands batches over on its own thread; a
queued signal brings each to the GUI thread, which runs it as a
:class:`~mmdesk.core.watch.WatchJob` on the runner's writer like any rescan (one at a time: a
batch that arrives meanwhile waits and merges). Starting the watcher (inotify watches or a
polling snapshot of every folder: seconds for a large library) and following the folder list
happen on a helper thread, and the folder list is read on the reader, so the window never
waits. File > Watch library folders turns it off and on; the choice is remembered.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from mmdesk.core.jobs import Changes
from mmdesk.core.library import Library
from mmdesk.core.tasks import TaskState
from mmdesk.core.watch import Batch, FolderWatcher, WatchJob, WatchOptions, WatchReport
from mmdesk.gui.compat import emit

if TYPE_CHECKING:
    from mmdesk.gui.window import MainWindow

ENABLED_KEY = "watch/enabled"


def _roots(library: Library) -> list[str]:
    return [str(r) for r in library.library_roots()]


class Watching(QObject):
    """Owns the window's folder watcher and runs its batches; see the module docstring."""

    batch_ready = Signal(object)  # a Batch, emitted on the watcher's thread

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        s = window.settings
        self.options = WatchOptions(
            scan_at_start=True,  # what changed while the app was closed
            exclude=[str(p) for p in (s.cache_dir, s.user_plugin_dir, s.backups_dir)],
        )
        self.watcher: FolderWatcher | None = None
        self._setup = ThreadPoolExecutor(1, thread_name_prefix="mmdesk-watch-setup")
        self._running: TaskState | None = None
        self._waiting = Batch()
        self._closed = False
        self.batch_ready.connect(self._arrived)
        window.runner.changed.connect(self._follow)
        self.action = QAction("&Watch library folders", window)
        self.action.setCheckable(True)
        self.action.setToolTip("Index new, changed, moved and deleted files as they happen")
        self.action.setChecked(window.qsettings.value(ENABLED_KEY, "true") in (True, "true"))
        self.action.toggled.connect(self.set_enabled)
        self._add_to_file_menu()
        if self.action.isChecked():
            self.start()

    def _add_to_file_menu(self) -> None:
        for menu_action in self.window.menuBar().actions():
            menu = menu_action.menu()
            if menu_action.text() == "&File" and isinstance(menu, QMenu):
                separator = next((a for a in menu.actions() if a.isSeparator()), None)
                if separator is None:
                    menu.addAction(self.action)
                else:
                    menu.insertAction(separator, self.action)  # after Re-scan, before Quit
                return

    # on and off -----------------------------------------------------------------------------
    def set_enabled(self, on: bool) -> None:
        """Watch (or stop watching) the library folders; remembered for the next start."""
        self.window.qsettings.setValue(ENABLED_KEY, on)
        if on:
            self.start()
        else:
            self.stop(wait=False)
        self.window.say("Watching library folders" if on else "Stopped watching library folders")

    def start(self) -> None:
        if self.watcher is None:
            self.window.runner.read(_roots, self._start_with, key="watch-roots")

    def _start_with(self, roots: list[str]) -> None:
        if self.watcher is not None or self._closed or not self.action.isChecked():
            return
        self.watcher = FolderWatcher(roots, lambda b: emit(self.batch_ready, b), self.options)
        self._setup.submit(self.watcher.start)

    def stop(self, *, wait: bool = True) -> None:
        """Stop the watcher (its threads end); ``wait``: for good, waiting for the helper
        thread (the window closes)."""
        watcher, self.watcher = self.watcher, None
        if watcher is not None and not self._closed:
            self._setup.submit(watcher.stop)
        if wait:
            self._closed = True
            self._setup.shutdown(wait=True)

    @Slot(object)
    def _follow(self, changes: object) -> None:
        """Library folders added or removed: watch what the library holds now."""
        if isinstance(changes, Changes) and changes.folders and self.watcher is not None:
            self.window.runner.read(_roots, self._set_roots, key="watch-roots")

    def _set_roots(self, roots: list[str]) -> None:
        watcher = self.watcher
        if watcher is not None and not self._closed:  # a new folder: the window indexes it
            self._setup.submit(lambda: watcher.set_roots(roots, scan_new=False))

    # running batches ------------------------------------------------------------------------
    @Slot(object)
    def _arrived(self, batch: object) -> None:
        if not isinstance(batch, Batch) or self.watcher is None:
            return
        self._waiting.merge(batch)
        if self._running is None:
            self._run_waiting()

    def _run_waiting(self) -> None:
        batch, self._waiting = self._waiting, Batch()
        if not batch:
            return
        job = WatchJob(batch, exclude=self.options.exclude)
        self._running = self.window.runner.run_job(
            job, lambda _: self._done(job.report), self._failed
        )

    def _done(self, report: WatchReport) -> None:
        self._running = None
        if report.indexed or report.moved or report.missing:
            self.window.say(
                f"Folders updated: {report.indexed} new or changed, {report.moved} moved, "
                f"{report.missing} missing"
            )
        self._run_waiting()

    def _failed(self, exc: BaseException) -> None:
        self._running = None
        self.window.show_error(exc)
        self._run_waiting()
