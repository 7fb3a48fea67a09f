"""Installed classifier plugins, as the review loop and the front ends need to know them.

A classifier plugin (written by ``mmdesk train``) declares one ``[[classifiers]]`` table whose
options carry its modalities, per-tag thresholds and validation metrics. Everything here reads
the manifest only; the model is loaded when it first predicts.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from mmdesk.core.tagging.sources import classifier_source
from mmdesk.errors import PluginError
from mmdesk.plugins.contributions import CLASSIFIER
from mmdesk.plugins.registry import Registry
from mmdesk.plugins.runtimes.onnx_classifier import DEFAULT_THRESHOLD
from mmdesk.plugins.specs import ClassifierSpec

if TYPE_CHECKING:
    from mmdesk.store import Store


def installed(registry: Registry) -> list[ClassifierSpec]:
    """Every installed classifier, in discovery order."""
    return list(registry.contributions(CLASSIFIER).values())


def find(registry: Registry, wanted: str) -> ClassifierSpec:
    """The classifier of plugin ``wanted`` (or with contribution id ``wanted``)."""
    for spec in installed(registry):
        if wanted in (spec.plugin_id, spec.id):
            return spec
    names = ", ".join(s.plugin_id for s in installed(registry)) or "none"
    raise PluginError(f"no classifier {wanted!r} is installed (installed: {names})")


def in_folder(registry: Registry, folder: Path) -> ClassifierSpec:
    """The classifier whose plugin lives in ``folder`` (just written by training)."""
    for spec in installed(registry):
        if spec.folder.resolve() == folder.resolve():
            return spec
    raise PluginError(f"{folder} holds no usable classifier plugin (see `mmdesk plugins`)")


def trained_at(spec: ClassifierSpec) -> float:
    """When the classifier was built: ``options.trained_at`` if the manifest says, else the
    model file's modification time (0 when it cannot be read)."""
    if "trained_at" in spec.options:
        return float(spec.options["trained_at"])
    try:
        return (spec.folder / str(spec.model or "plugin.toml")).stat().st_mtime
    except OSError:
        return 0.0


def threshold(spec: ClassifierSpec, label: str) -> float:
    """The score at or above which ``spec`` predicts its label ``label``."""
    by_tag = {t.casefold(): v for t, v in spec.options.get("thresholds", {}).items()}
    return float(by_tag.get(label.casefold(), DEFAULT_THRESHOLD))


def tag_names(store: Store, spec: ClassifierSpec) -> dict[str, str]:
    """The classifier's label -> the tag it predicts now: its labels are the tags' names when
    it was trained, and a tag renamed or merged since is followed
    (:meth:`~mmdesk.store.Store.classifier_tag_ids`); a label whose tag was deleted is left
    out. Labels not tied yet (it has not predicted) stand for the tags of their names."""
    tied = store.classifier_tag_names(classifier_source(spec.plugin_id), trained_at(spec))
    out = {}
    for label in spec.labels:
        key = label.casefold()
        name = tied[key] if key in tied else label
        if name is not None:
            out[label] = name
    return out


def newest_for(
    store: Store, specs: list[ClassifierSpec], tag: str
) -> tuple[ClassifierSpec, str] | None:
    """The most recently trained classifier that predicts ``tag`` now, with its label for
    it."""
    found = []
    for spec in specs:
        mine = [
            lb for lb, name in tag_names(store, spec).items() if name.casefold() == tag.casefold()
        ]
        if mine:
            found.append((spec, mine[0]))
    return max(found, key=lambda pair: trained_at(pair[0]), default=None)


def describe(spec: ClassifierSpec, active_space: str | None, store: Store) -> dict[str, Any]:
    """One classifier as front ends list it: ``tags`` are the tags it predicts now (see
    :func:`tag_names`), ``thresholds`` keyed by them.

    ``active`` says whether its space is the library's active image space, i.e. whether new
    files get the vectors it needs, so its predictions stay current.
    """
    names = tag_names(store, spec)
    return {
        "id": spec.plugin_id,
        "contribution": spec.id,
        "space": spec.space,
        "tags": list(names.values()),
        "modalities": list(spec.options.get("modalities", ["image"])),
        "thresholds": {name: threshold(spec, label) for label, name in names.items()},
        "metrics": dict(spec.options.get("metrics", {})),
        "trained_at": trained_at(spec),
        "active": spec.space == active_space,
        "folder": str(spec.folder),
    }
