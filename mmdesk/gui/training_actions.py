"""The window's training behaviour: the training dialog, the review view, and tagging the
selection in bulk from the keyboard.

A mixin of :class:`mmdesk.gui.window.MainWindow`. The dialog and the view are made once and
kept (hidden when closed), so a training or a retraining in flight always has a live widget to
report to; both are children of the window and end with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QInputDialog, QWidget

from mmdesk.gui.review import ReviewView
from mmdesk.gui.training import TrainingDialog, tag_label_counts
from mmdesk.gui.training_run import JobFactory, train_job
from mmdesk.gui.window_parts import WindowParts

if TYPE_CHECKING:
    from mmdesk.gui.thumbs import Thumbnails

RETRAIN_AFTER_KEY = "review/retrain_after"


def _raise(widget: QWidget) -> None:
    widget.show()
    widget.raise_()
    widget.activateWindow()


class TrainingActions(WindowParts):
    """Train tags, review a tag, tag or un-tag the selection by keyboard."""

    make_train_job: JobFactory = staticmethod(train_job)  # tests give a fake job here

    if TYPE_CHECKING:  # the window's, beyond what WindowParts declares
        thumbs: Thumbnails

        def label_selected(self, name: str, how: str = "tag") -> None: ...

    def _init_training(self) -> None:
        self.training_dialog: TrainingDialog | None = None
        self.review_view: ReviewView | None = None
        self._last_tag = ""

    # training ---------------------------------------------------------------------------------
    def show_training(self) -> TrainingDialog:
        """Open (or bring back) the training dialog with fresh label counts."""
        dialog = self.training_dialog
        if dialog is None:
            dialog = TrainingDialog(
                self.runner, {}, self.settings.device, self.make_train_job, parent=self
            )
            dialog.review_requested.connect(self.show_review)
            dialog.trained.connect(lambda _: self.say("Training done: predictions updated"))
            self.training_dialog = dialog
        if not dialog.run.running:
            dialog.set_counts(tag_label_counts(self.library))
        _raise(dialog)
        return dialog

    # review -----------------------------------------------------------------------------------
    def show_review(self, tag: str | None = None) -> ReviewView | None:
        """Open the review view on ``tag`` (asked for when none is given or selected)."""
        tags = [name for name, _ in self.library.tags()]
        tag = tag or next(iter(self.sidebar.selected_tags()), None) or self._ask_tag(tags)
        if not tag:
            return None
        view = self.review_view
        if view is None:
            view = ReviewView(
                self.runner,
                self.thumbs,
                tags,
                tag,
                retrain_after=self._retrain_after(),
                make_job=self.make_train_job,
                parent=self,
            )
            view.retrain_after_changed.connect(self._keep_retrain_after)
            self.review_view = view
        else:
            view.show_tag(tags, tag)
        _raise(view)
        return view

    def _keep_retrain_after(self, after: int) -> None:
        self.qsettings.setValue(RETRAIN_AFTER_KEY, after)

    def _retrain_after(self) -> int:
        value = self.qsettings.value(RETRAIN_AFTER_KEY, 0)
        return int(value) if isinstance(value, (int, str)) and str(value).isdigit() else 0

    def _ask_tag(self, tags: list[str], title: str = "Review tag", editable: bool = False) -> str:
        """A tag chosen (or, when ``editable``, typed) in a small dialog; '' if cancelled."""
        if not tags and not editable:
            self.say("No tags yet: tag a few photos first")
            return ""
        current = tags.index(self._last_tag) if self._last_tag in tags else 0
        name, ok = QInputDialog.getItem(self, title, "Tag:", tags, current, editable)
        return name.strip() if ok else ""

    # bulk labels ------------------------------------------------------------------------------
    def tag_selection_prompt(self, how: str = "tag") -> None:
        """Ask for a tag and say every selected item is it (``tag``) or is not (``not``)."""
        count = len(self.view.selected_results())
        if not count:
            self.say("Select some photos first")
            return
        what = "Tag" if how == "tag" else "Mark as not"
        title = f"{what} {count} selected item{'s' * (count != 1)}"
        name = self._ask_tag([n for n, _ in self.library.tags()], title, editable=True)
        if name:
            self._last_tag = name
            self.label_selected(name, how)
