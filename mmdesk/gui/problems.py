"""The problems view: the files indexing could not read, with why, and ways out.

Opened from View → Problems… or the indexing notice's "Show problems". It lists each
unreadable file's path, the reason the library recorded and when the file was first seen;
"Retry" indexes the selected files again (even unchanged ones), "Show in folder" opens their
folder, "Copy" puts the list as text on the clipboard. The list is read on the reader thread and
refreshes itself from Changes, so a file fixed and retried leaves it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from mmdesk.core.indexing import IndexJob
from mmdesk.core.jobs import Changes
from mmdesk.core.library import Library
from mmdesk.gui.compat import emit
from mmdesk.gui.feeds import Feed

if TYPE_CHECKING:
    from mmdesk.gui.window import MainWindow

LIMIT = 1000  # the view lists at most this many files
PathRole = Qt.ItemDataRole.UserRole


def _when(seconds: float | None) -> str:
    if not seconds:
        return "—"
    return dt.datetime.fromtimestamp(seconds).strftime("%Y-%m-%d %H:%M")


def _problems(library: Library) -> list[dict[str, Any]]:
    return library.problem_files(LIMIT)


def as_text(rows: list[dict[str, Any]]) -> str:
    """One line per file, tab-separated: path, reason (what "Copy" puts on the clipboard)."""
    return "\n".join(f"{r['path']}\t{r['error']}" for r in rows)


class ProblemsDialog(QDialog):
    """A window's unreadable files; see the module docstring."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window_ = window
        self.setWindowTitle("Problems")
        self.resize(760, 380)
        self.rows: list[dict[str, Any]] = []
        self.heading = QLabel(self)
        self.list = QTreeWidget(self)
        self.list.setHeaderLabels(["File", "Reason", "First seen"])
        self.list.setRootIsDecorated(False)
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # keep the file's name
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setAccessibleName("Unreadable files")
        self.list.setColumnWidth(0, 360)
        self.list.setColumnWidth(1, 260)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.retry = self._button(
            buttons, "&Retry", "Index the selected files again", self.retry_selected
        )
        self.reveal = self._button(
            buttons, "Show in &folder", "Open the file's folder", self.reveal_selected
        )
        self.copy = self._button(buttons, "&Copy", "Copy the list as text", self.copy_text)
        buttons.rejected.connect(self.close)
        box = QVBoxLayout(self)
        box.addWidget(self.heading)
        box.addWidget(self.list, 1)
        box.addWidget(buttons)
        self.list.itemSelectionChanged.connect(self._enable)
        self.feed = Feed(window.runner, self._wants, self.refresh, parent=self)
        window.feeds.append(self.feed)  # stopped with the window's own
        self.refresh()

    def _wants(self, changes: Changes) -> bool:
        return self.isVisible() and bool(changes.files or changes.removed)

    def _button(self, box: QDialogButtonBox, text: str, tip: str, slot: Any) -> QPushButton:
        button = box.addButton(text, QDialogButtonBox.ButtonRole.ActionRole)
        button.setToolTip(tip)
        button.clicked.connect(lambda *_: slot())
        return button

    def refresh(self, _: Changes | None = None) -> None:
        """Read the failed files again (on the reader) and show them."""
        self.window_.runner.read(_problems, self.show_rows, key="problems")

    def show_rows(self, rows: list[dict[str, Any]]) -> None:
        keep = set(self.selected_paths())
        self.rows = rows
        self.list.clear()
        for row in rows:
            item = QTreeWidgetItem(self.list, [row["path"], row["error"], _when(row["added_at"])])
            item.setData(0, PathRole, row["path"])
            item.setToolTip(0, row["path"])
            item.setToolTip(1, row["error"])
            item.setSelected(row["path"] in keep)
        count = len(rows)
        self.heading.setText(
            "No problems: every file was read." if not count
            else f"{count:,} file{'s' * (count != 1)} could not be read"
            + (f" (the first {LIMIT:,} shown)" if count >= LIMIT else "")
        )  # fmt: skip
        self.copy.setEnabled(bool(rows))
        self._enable()

    def selected_paths(self) -> list[str]:
        return [str(item.data(0, PathRole)) for item in self.list.selectedItems()]

    def _enable(self) -> None:
        chosen = bool(self.list.selectedItems())
        self.retry.setEnabled(chosen)
        self.reveal.setEnabled(chosen)

    def retry_selected(self) -> None:
        """Index the selected files again on the writer, even where they have not changed."""
        paths = self.selected_paths()
        if not paths:
            return
        window = self.window_
        job = IndexJob(paths, retry_failed=True)
        window.runner.run_job(
            job, lambda _: emit(window.index_finished, job.report), self._retry_failed
        )
        window.say(f"Retrying {len(paths)} file{'s' * (len(paths) != 1)}…")

    def _retry_failed(self, exc: BaseException) -> None:
        self.window_.show_error(exc)
        emit(self.window_.index_finished, exc)

    def reveal_selected(self) -> None:
        for folder in dict.fromkeys(str(Path(p).parent) for p in self.selected_paths()):
            QDesktopServices.openUrl(QUrl.fromLocalFile(folder))

    def copy_text(self) -> None:
        chosen = set(self.selected_paths())
        rows = [r for r in self.rows if r["path"] in chosen] or self.rows
        QGuiApplication.clipboard().setText(as_text(rows))


def show_problems(window: MainWindow) -> ProblemsDialog:
    """Open (or raise) the window's problems view."""
    dialog = window.findChild(ProblemsDialog)
    if not isinstance(dialog, ProblemsDialog):
        dialog = ProblemsDialog(window)
    elif not dialog.isVisible():
        dialog.refresh()
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog
