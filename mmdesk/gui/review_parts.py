"""The review view's controls around its grid: which tag and list, the answer buttons, the
retrain button and the "retrain by itself after N new labels" setting.

Buttons take no keyboard focus, so Y, N and Space always reach the grid, whatever was clicked.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QSpinBox,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from mmdesk.core.tasks import Progress
from mmdesk.gui.compat import emit

KIND_TABS = [("confident", "Most confident"), ("uncertain", "Most uncertain")]
ANSWERS = [
    ("accept", "Yes, it is  (Y)"),
    ("reject", "No, it is not  (N)"),
    ("skip", "Skip  (Space)"),
]
DEFAULT_AFTER = 20


class ReviewControls(QWidget):
    """Lays out the header, the grid and the footer; says what the person asked for."""

    answered = Signal(str)  # "accept", "reject" or "skip"
    tag_changed = Signal(str)
    kind_changed = Signal(str)
    retrain_clicked = Signal()
    retrain_after_changed = Signal(int)  # 0: never by itself

    def __init__(
        self, grid: QListView, tags: list[str], tag: str, after: int, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.tag = QComboBox(self)
        self.set_tags(tags, tag)
        self.kinds = QTabBar(self)
        for _, text in KIND_TABS:
            self.kinds.addTab(text)
        self.counts = QLabel(self)
        self.status = QLabel(self, wordWrap=True)
        self.buttons = {key: QPushButton(text, self) for key, text in ANSWERS}
        self.retrain = QPushButton("Retrain", self)
        for button in (*self.buttons.values(), self.retrain):
            button.setAutoDefault(False)  # Enter in the grid never answers for the person
        self.auto = QCheckBox("Retrain by itself after", self)
        self.after = QSpinBox(self, minimum=1, maximum=10_000, suffix=" new labels")
        self.after.setValue(after or DEFAULT_AFTER)
        self.auto.setChecked(after > 0)
        self._layout(grid)
        self._connect()

    def _layout(self, grid: QListView) -> None:
        header = QHBoxLayout()
        header.addWidget(QLabel("<b>Tag</b>", self))
        header.addWidget(self.tag)
        header.addWidget(self.kinds)
        header.addStretch(1)
        header.addWidget(self.counts)
        answers = QHBoxLayout()
        for button in self.buttons.values():
            answers.addWidget(button)
        answers.addStretch(1)
        answers.addWidget(self.auto)
        answers.addWidget(self.after)
        answers.addWidget(self.retrain)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(header)
        box.addWidget(grid, 1)
        box.addWidget(self.status)
        box.addLayout(answers)
        clickable: list[QWidget] = [*self.buttons.values(), self.retrain, self.kinds, self.auto]
        for widget in (*clickable, self.tag):
            widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def _connect(self) -> None:
        for key, button in self.buttons.items():
            button.clicked.connect(lambda *_, k=key: emit(self.answered, k))
        self.retrain.clicked.connect(lambda *_: emit(self.retrain_clicked))
        self.tag.currentTextChanged.connect(lambda t: emit(self.tag_changed, t))
        self.kinds.currentChanged.connect(lambda i: emit(self.kind_changed, KIND_TABS[i][0]))
        self.auto.toggled.connect(lambda *_: emit(self.retrain_after_changed, self.retrain_after()))
        self.after.valueChanged.connect(
            lambda *_: emit(self.retrain_after_changed, self.retrain_after())
        )

    def set_tags(self, tags: list[str], tag: str) -> None:
        """Offer ``tags`` (and ``tag``) without announcing a change of tag."""
        self.tag.blockSignals(True)
        self.tag.clear()
        self.tag.addItems(sorted({*tags, tag}, key=str.casefold))
        self.tag.setCurrentText(tag)
        self.tag.blockSignals(False)

    def retrain_after(self) -> int:
        """After how many new labels to retrain by itself; 0: never."""
        return self.after.value() if self.auto.isChecked() else 0

    def say(self, text: str) -> None:
        self.status.setText(text)

    def show_counts(self, candidates: int, since_training: int) -> None:
        self.counts.setText(
            f"{candidates} to review · {since_training} new label"
            f"{'s' * (since_training != 1)} since training"
        )

    def set_retraining(self, running: bool) -> None:
        """While a retraining runs the button stops it."""
        self.retrain.setText("Stop retraining" if running else "Retrain")

    def show_training(self, progress: Progress) -> None:
        detail = f" · {progress.message}" if progress.message else ""
        self.say(f"Retraining in the background: epoch {progress.done} / {progress.total}{detail}")
