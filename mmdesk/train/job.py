"""Training as a core Job: the CLI runs it with a progress bar, the GUI on its writer thread."""

from __future__ import annotations

import logging
from pathlib import Path

from mmdesk.core.jobs import Changes
from mmdesk.core.library import Library
from mmdesk.core.tasks import TaskState
from mmdesk.train.data import training_data
from mmdesk.train.options import TrainConfig
from mmdesk.train.plugin import save_classifier
from mmdesk.train.training import TrainedClassifier, train

log = logging.getLogger(__name__)


class TrainJob:
    """Train ``tags`` (default: every tag a person used), save the classifier plugin, then
    predict every item with it. ``result`` and ``plugin_dir`` are set once it ran."""

    name = "training"

    def __init__(self, tags: list[str] | None = None, *, config: TrainConfig | None = None) -> None:
        self.tags = tags
        self.config = config or TrainConfig()
        self.result: TrainedClassifier | None = None
        self.plugin_dir: Path | None = None

    def run(self, library: Library, state: TaskState) -> Changes:
        data = training_data(library, self.tags)
        epochs = self.config.epochs

        def on_epoch(epoch: int, loss: float, val_loss: float | None) -> None:
            shown = f"loss {loss:.4f}" + ("" if val_loss is None else f" val {val_loss:.4f}")
            state.report(min(epoch, epochs), epochs, message=shown)  # the GUI's loss curve

        self.result = train(
            data, self.config, on_epoch=on_epoch, should_stop=lambda: state.cancelled
        )
        state.checkpoint()
        self.plugin_dir = save_classifier(self.result, library)
        return self._predict(library) | Changes(tags=True)

    def _predict(self, library: Library) -> Changes:
        """Predictions for every item, written by the tagging side (``Library.predict_tags``)."""
        predict = getattr(library, "predict_tags", None)
        if predict is None or self.plugin_dir is None:
            log.info("Library.predict_tags is not available: predictions wait for indexing")
            return Changes()
        changes = predict(self.plugin_dir.name)
        return changes if isinstance(changes, Changes) else Changes(tags=True)
