"""Predicting tags: run installed classifier plugins over items and store what they predict.

:class:`PredictJob` is the work behind ``Library.predict_tags`` and ``mmdesk train``; the
``tags`` enricher runs it after every index run for the items each classifier has not seen,
so predictions stay current without torch. An item counts as seen once its file was indexed
before the classifier last ran over the library (``classifier.<plugin id>.predicted_at``), so
items that got no tag above a threshold are not scored again and again.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

import numpy as np

from mmdesk.core import enrich
from mmdesk.core.jobs import Changes, Job
from mmdesk.core.tagging import classifiers
from mmdesk.core.tagging.features import Features, load_features
from mmdesk.core.tagging.sources import classifier_source
from mmdesk.core.tasks import TaskState
from mmdesk.errors import MmdeskError, ModelError, PluginError
from mmdesk.plugins.contributions import CLASSIFIER
from mmdesk.plugins.protocols import Classifier
from mmdesk.plugins.specs import ClassifierSpec

if TYPE_CHECKING:
    from mmdesk.core.library import Library

log = logging.getLogger(__name__)
BATCH = 2048


def predicted_key(plugin_id: str) -> str:
    """The setting holding when a classifier last ran over the whole library."""
    return f"classifier.{plugin_id}.predicted_at"


class PredictJob:
    """Predict tags with some classifiers (default: every installed one).

    Args:
        plugin_ids: the classifier plugins to run; None: all installed.
        item_ids: only these items; None: every item the classifier has not seen (``only_new``)
            or every present item.
        only_new: with no ``item_ids``, only items indexed since the classifier last ran (and
            all of them after it was retrained). This is the background form (the enricher):
            a classifier that cannot run is skipped with a warning instead of failing the run.
    """

    name = "predicting tags"

    def __init__(
        self,
        plugin_ids: list[str] | None = None,
        item_ids: list[int] | None = None,
        *,
        only_new: bool = False,
    ) -> None:
        self.plugin_ids = plugin_ids
        self.item_ids = item_ids
        self.only_new = only_new
        self.written: dict[str, int] = {}  # plugin id -> predictions stored

    def run(self, library: Library, state: TaskState) -> Changes:
        changes = Changes()
        for spec in self.specs(library):
            state.checkpoint()
            try:
                changes |= self._run_one(library, spec, state)
            except (PluginError, ModelError) as exc:
                if not self.only_new:
                    raise
                log.warning("classifier %s is skipped: %s", spec.plugin_id, exc)
        return changes

    def specs(self, library: Library) -> list[ClassifierSpec]:
        """The classifiers this job runs."""
        if self.plugin_ids is None:
            return classifiers.installed(library.registry)
        return [classifiers.find(library.registry, p) for p in self.plugin_ids]

    def _run_one(self, library: Library, spec: ClassifierSpec, state: TaskState) -> Changes:
        started = time.time()
        wanted = self.item_ids
        if wanted is None:
            wanted = pending(library, spec, self.only_new)
        if wanted is not None and not wanted:
            return Changes()
        model = library.registry.build(CLASSIFIER, spec.id)
        features = load_features(
            library.store,
            library.registry,
            spec.space,
            model.dims,
            wanted,
            text_encoder=spec.options.get("text_encoder"),
        )
        touched = self._predict_all(library, spec, model, features, state)
        if self.item_ids is None:
            library.store.set_setting(predicted_key(spec.plugin_id), repr(started))
        return Changes(labels=touched, tags=bool(touched))

    def _predict_all(
        self,
        library: Library,
        spec: ClassifierSpec,
        model: Classifier,
        features: Features,
        state: TaskState,
    ) -> set[int]:
        touched: set[int] = set()
        total = len(features.item_ids)
        for start in range(0, total, BATCH):
            state.checkpoint()
            batch = features.rows(start, start + BATCH)
            touched |= write_batch(library, spec, model, batch)
            state.report(min(start + BATCH, total), total, message=spec.plugin_id)
            state.publish(Changes(labels=set(batch.item_ids.tolist()), tags=True))
        return touched


def write_batch(
    library: Library, spec: ClassifierSpec, model: Classifier, batch: Features
) -> set[int]:
    """Predict one batch and replace the classifier's stored predictions for its items with
    the tags scored at or above their thresholds. Returns the batch's item ids."""
    scores, _ = model.predict(batch.arrays, batch.mask)
    thresholds = np.array([model.thresholds.get(t, 0.5) for t in spec.labels], np.float32)
    rows, cols = np.nonzero(scores >= thresholds[None, :])
    ids = batch.item_ids.tolist()
    found = [(ids[r], spec.labels[c], float(scores[r, c])) for r, c in zip(rows, cols, strict=True)]
    written = library.store.replace_predictions(
        classifier_source(spec.plugin_id), ids, found, trained_at=classifiers.trained_at(spec)
    )
    log.debug("%s: %d predictions on %d items", spec.plugin_id, written, len(ids))
    return set(ids)


def pending(library: Library, spec: ClassifierSpec, only_new: bool) -> list[int] | None:
    """The items ``spec`` has not seen (None: all of them, it never ran since training)."""
    if not only_new:
        return None
    last = library.store.get_setting(predicted_key(spec.plugin_id))
    if last is None or float(last) < classifiers.trained_at(spec):
        return None
    return library.store.present_item_ids(indexed_since=float(last))


def keep_current(library: Library) -> Job | None:
    """The enricher: predict for items indexed since each classifier last ran; None when no
    classifier is installed or none has anything new to see."""
    try:
        specs = classifiers.installed(library.registry)
    except MmdeskError as exc:
        log.warning("tag classifiers are not run: %s", exc)
        return None
    todo = [s.plugin_id for s in specs if pending(library, s, only_new=True) != []]
    return PredictJob(todo, only_new=True) if todo else None


enrich.register("tags", keep_current)
