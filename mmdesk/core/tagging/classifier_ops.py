"""The Library's classifier operations: installed tag classifiers, predicting, the review queue.

Part of :class:`~mmdesk.core.tagging.ops.TaggingOps`. Training itself is ``mmdesk.train``'s
``TrainJob`` (torch); everything here runs the exported ONNX model and reads the store.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from mmdesk.core.jobs import Changes, Job
from mmdesk.core.search import Result
from mmdesk.core.tagging import classifiers
from mmdesk.core.tasks import TaskState
from mmdesk.errors import MmdeskError
from mmdesk.plugins.runtimes.onnx_classifier import DEFAULT_THRESHOLD

if TYPE_CHECKING:
    from mmdesk.plugins.registry import Registry, Space
    from mmdesk.store import Store

REVIEW_KINDS = ("confident", "uncertain")


class ClassifierOps:
    """Classifier plugins as the review loop and the training dialog use them."""

    if TYPE_CHECKING:
        store: Store
        registry: Registry

        def space(self, modality: Any = "image") -> Space: ...

        def run(self, job: Job, state: TaskState | None = None) -> Changes: ...

    def classifiers(self) -> list[dict[str, Any]]:
        """Installed classifier plugins: ``{"id", "tags", "metrics", "thresholds", "active",
        "trained_at", ...}`` (see :func:`classifiers.describe`)."""
        try:
            active: str | None = self.space("image").id
        except MmdeskError:
            active = None
        return [
            classifiers.describe(s, active, self.store)
            for s in classifiers.installed(self.registry)
        ]

    def adopt_classifier(self, plugin_dir: Path) -> dict[str, Any]:
        """Look at the plugin folders again and describe the classifier in ``plugin_dir``:
        what a front end calls after training wrote (or rewrote) it."""
        self.registry.refresh()
        spec = classifiers.in_folder(self.registry, plugin_dir)
        return next(c for c in self.classifiers() if c["contribution"] == spec.id)

    def predict_tags(
        self,
        plugin_id: str | None = None,
        item_ids: list[int] | None = None,
        state: TaskState | None = None,
    ) -> Changes:
        """Run a classifier (None: every installed one) over items (None: all present ones) and
        store the tags scored at or above their thresholds, replacing its older predictions.
        A person's labels are never touched."""
        from mmdesk.core.tagging.predict import PredictJob

        plugins = None if plugin_id is None else [plugin_id]
        return self.run(PredictJob(plugins, item_ids), state)

    def review(self, tag: str, kind: str = "confident", limit: int = 50) -> list[Result]:
        """Predicted, not yet labelled items of ``tag`` for the review view, scored by the
        prediction: ``confident``, the highest scores first, or ``uncertain``, the scores
        nearest the tag's threshold first."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise MmdeskError(f"the limit must be a whole number, 0 or more (not {limit})")
        if kind == "confident":
            rows = self.store.most_confident_unlabelled(tag, limit)
        elif kind == "uncertain":
            rows = self.store.most_uncertain(tag, limit, self.tag_threshold(tag))
        else:
            raise MmdeskError(f"review one of {', '.join(REVIEW_KINDS)} (not {kind!r})")
        return [Result.from_row(row, row["score"]) for row in rows]

    def tag_threshold(self, tag: str) -> float:
        """The threshold of the newest classifier that predicts ``tag`` (0.5 without one)."""
        found = classifiers.newest_for(self.store, classifiers.installed(self.registry), tag)
        return DEFAULT_THRESHOLD if found is None else classifiers.threshold(*found)

    def labels_since_training(self, tag: str) -> int:
        """How many labels (is or is not) a person gave ``tag`` since the newest classifier
        of it was trained (all of them when none was): for "retrain after N new labels"."""
        found = classifiers.newest_for(self.store, classifiers.installed(self.registry), tag)
        since = 0.0 if found is None else classifiers.trained_at(found[0])
        return self.store.person_labels_since(tag, since)
