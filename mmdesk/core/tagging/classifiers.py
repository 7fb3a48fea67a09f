"""Installed classifier plugins, as the review loop and the front ends need to know them.

A classifier plugin (written by ``mmdesk train``) declares one ``[[classifiers]]`` table whose
options carry its modalities, per-tag thresholds and validation metrics. Everything here reads
the manifest only; the model is loaded when it first predicts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mmdesk.errors import PluginError
from mmdesk.plugins.contributions import CLASSIFIER
from mmdesk.plugins.registry import Registry
from mmdesk.plugins.runtimes.onnx_classifier import DEFAULT_THRESHOLD
from mmdesk.plugins.specs import ClassifierSpec


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


def threshold(spec: ClassifierSpec, tag: str) -> float:
    """The score at or above which ``spec`` predicts ``tag``."""
    by_tag = {t.casefold(): v for t, v in spec.options.get("thresholds", {}).items()}
    return float(by_tag.get(tag.casefold(), DEFAULT_THRESHOLD))


def newest_for(specs: list[ClassifierSpec], tag: str) -> ClassifierSpec | None:
    """The most recently trained classifier that predicts ``tag``."""
    mine = [s for s in specs if tag.casefold() in (t.casefold() for t in s.labels)]
    return max(mine, key=trained_at, default=None)


def describe(spec: ClassifierSpec, active_space: str | None) -> dict[str, Any]:
    """One classifier as front ends list it.

    ``active`` says whether its space is the library's active image space, i.e. whether new
    files get the vectors it needs, so its predictions stay current.
    """
    return {
        "id": spec.plugin_id,
        "contribution": spec.id,
        "space": spec.space,
        "tags": list(spec.labels),
        "modalities": list(spec.options.get("modalities", ["image"])),
        "thresholds": {t: threshold(spec, t) for t in spec.labels},
        "metrics": dict(spec.options.get("metrics", {})),
        "trained_at": trained_at(spec),
        "active": spec.space == active_space,
        "folder": str(spec.folder),
    }
