"""The review view of one tag: confirm or reject what the classifier is most sure, or least sure,
about, with one key each, and retrain in one click (or by itself after N new labels).

Candidates are read on the reader (``Library.review``); each answer is one write on the writer
(``Library.accept`` / ``Library.reject``), so the view never touches the database. The grid
reuses the results grid's model, delegate and thumbnail cache.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QDialog, QListView, QVBoxLayout, QWidget

from mmdesk.core.search import Result
from mmdesk.gui.compat import emit
from mmdesk.gui.results import ResultsModel, make_grid
from mmdesk.gui.review_parts import ReviewControls
from mmdesk.gui.training_run import CANCELLED, DONE, JobFactory, TrainingRun, train_job

if TYPE_CHECKING:
    from mmdesk.core.library import Library
    from mmdesk.gui.tasks import TaskRunner
    from mmdesk.gui.thumbs import Thumbnails

LIMIT = 60  # candidates per list: enough for a session, few enough to read at once
KINDS = ("confident", "uncertain")
HINT = "Y: it is · N: it is not · Space: skip · arrows: move"


def retrain_tags(library: Library, tag: str) -> list[str]:
    """The tags of the classifier that holds ``tag`` (retraining keeps them together)."""
    for classifier in library.classifiers():
        if tag in classifier.get("tags", ()):
            return list(classifier["tags"])
    return [tag]


class ReviewModel(ResultsModel):
    """Results whose caption leads with the classifier's score."""

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and index.isValid():
            result = self.result(index.row())
            score = "" if math.isnan(result.score) else f"{result.score:.2f} · "
            return score + Path(result.path).name
        return super().data(index, role)


class ReviewGrid(QListView):
    """The candidates; Y, N and Space answer the current one, the arrows move."""

    answered = Signal(str)  # "accept", "reject" or "skip"
    KEYS = {Qt.Key.Key_Y: "accept", Qt.Key.Key_N: "reject", Qt.Key.Key_Space: "skip"}

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        make_grid(self)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAccessibleName("Review candidates")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        answer = self.KEYS.get(Qt.Key(event.key()))
        if answer is not None and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            emit(self.answered, answer)
        else:
            super().keyPressEvent(event)


class ReviewView(QDialog):
    """One tag's candidates, two lists (most confident, most uncertain), one key per answer."""

    labelled = Signal(int)  # an answer was written for this item
    retrain_after_changed = Signal(int)  # the auto-retrain setting (0: off)

    def __init__(
        self,
        runner: TaskRunner,
        thumbs: Thumbnails,
        tags: list[str],
        tag: str,
        *,
        retrain_after: int = 0,
        make_job: JobFactory = train_job,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Review tag")
        self.runner, self.make_job = runner, make_job
        self.tag, self.kind = tag, KINDS[0]
        self.since_training = 0
        self.model = ReviewModel(thumbs, self)
        self.grid = ReviewGrid(self)
        self.grid.setModel(self.model)
        self.controls = ReviewControls(self.grid, tags, tag, retrain_after, self)
        self.retraining = TrainingRun(runner, make_job, self)
        QVBoxLayout(self).addWidget(self.controls)
        self._connect()
        self.resize(980, 680)
        self.load()

    def _connect(self) -> None:
        c = self.controls
        self.grid.answered.connect(self.answer)
        c.answered.connect(self.answer)
        c.tag_changed.connect(self.set_tag)
        c.kind_changed.connect(self.set_kind)
        c.retrain_clicked.connect(self.retrain)
        c.retrain_after_changed.connect(lambda n: emit(self.retrain_after_changed, n))
        self.retraining.progressed.connect(c.show_training)
        self.retraining.ended.connect(self._retrained)

    # candidates -------------------------------------------------------------------------------
    def set_tag(self, tag: str) -> None:
        self.tag = tag
        self.load()

    def show_tag(self, tags: list[str], tag: str) -> None:
        """Review ``tag`` now, offering ``tags`` to switch to (the window opened it again)."""
        self.controls.set_tags(tags, tag)
        if tag != self.tag:
            self.set_tag(tag)

    def set_kind(self, kind: str) -> None:
        self.kind = kind
        self.load()

    def load(self) -> None:
        """Read the candidates of the tag and list shown, then the labels since training."""
        tag, kind = self.tag, self.kind

        def read(library: Library) -> tuple[list[Result], int]:
            return library.review(tag, kind=kind, limit=LIMIT), library.labels_since_training(tag)

        self.controls.say(f"Finding {kind} candidates for “{tag}”…")
        self.runner.read(read, self._show, self._failed, key=f"review-{id(self)}")

    def _show(self, answer: tuple[list[Result], int]) -> None:
        results, self.since_training = answer
        self.model.set_results(results)
        self._select(0)
        self.controls.show_counts(len(results), self.since_training)
        self.controls.say(HINT)
        if not results:
            self.controls.say(
                f"No {self.kind} candidates for “{self.tag}”: retrain, or label more."
            )

    def _failed(self, exc: BaseException) -> None:
        from mmdesk.gui.dialogs import error_text

        self.model.set_results([])
        self.controls.say(f"⚠ {error_text(exc)}")

    def current(self) -> Result | None:
        index = self.grid.currentIndex()
        return self.model.result(index.row()) if index.isValid() else None

    def _select(self, row: int) -> None:
        count = self.model.rowCount()
        if count:
            self.grid.setCurrentIndex(self.model.index(min(row, count - 1)))
        self.grid.setFocus()

    # answers ----------------------------------------------------------------------------------
    def answer(self, what: str) -> None:
        """Accept, reject or skip the current candidate, then move on to the next."""
        result, row = self.current(), self.grid.currentIndex().row()
        if result is None:
            return
        if what == "skip":
            self._select(row + 1)
            return
        self._write(result.item_id, accept=what == "accept")
        rest = [r for n, r in enumerate(self.model.results()) if n != row]
        self.model.set_results(rest)
        self._select(row)
        if not rest:
            self.controls.say("All reviewed. Retrain to see new candidates.")

    def _write(self, item_id: int, *, accept: bool) -> None:
        tag = self.tag

        def write(library: Library) -> Any:
            return library.accept([item_id], tag) if accept else library.reject([item_id], tag)

        self.runner.write(write, lambda _: self._written(item_id), self._failed)

    def _written(self, item_id: int) -> None:
        self.since_training += 1
        self.controls.show_counts(self.model.rowCount(), self.since_training)
        emit(self.labelled, item_id)
        after = self.controls.retrain_after()
        if after and self.since_training >= after and not self.retraining.running:
            self.retrain()

    # retraining -------------------------------------------------------------------------------
    def retrain(self) -> None:
        """Retrain the classifier holding this tag, in the background."""
        if self.retraining.running:
            self.retraining.cancel()
            self.controls.say("Stopping the retraining…")
            return
        tag = self.tag
        self.runner.read(lambda library: retrain_tags(library, tag), self._start_retraining)

    def _start_retraining(self, tags: list[str]) -> None:
        if self.retraining.start(tags):
            self.controls.set_retraining(True)
            self.controls.say(f"Retraining {', '.join(tags)} in the background…")

    def _retrained(self, outcome: str, detail: object) -> None:
        self.controls.set_retraining(False)
        if outcome == DONE:
            self.load()
        elif outcome == CANCELLED:
            self.controls.say("Retraining stopped: the classifier is unchanged.")
        else:
            self.controls.say(f"⚠ Retraining failed: {detail}")
