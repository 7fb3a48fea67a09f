"""A trained classifier as a classifier plugin folder in the person's plugin directory.

The folder holds ``classifier.onnx`` and a ``plugin.toml`` (api 2, one ``[[classifiers]]``
table with no ``entry``: the built-in ONNX classifier runs it), so indexing predicts tags with no
torch, and removing the folder removes the classifier like any plugin.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from mmdesk.core.library import Library
from mmdesk.core.tagging.features import TEXT_MODALITIES
from mmdesk.plugins import manifest_toml
from mmdesk.plugins.checksums import sha256_file
from mmdesk.plugins.manifest import load_manifest
from mmdesk.train.data import text_encoder
from mmdesk.train.training import TrainedClassifier

MODEL_FILE = "classifier.onnx"
_NOT_ID = re.compile(r"[^a-z0-9_.\-]+")


def plugin_id(trained: TrainedClassifier, name: str | None = None) -> str:
    """``classifier-<slug>`` of ``name`` (default: the tags), a valid plugin id."""
    slug = _NOT_ID.sub("-", (name or "-".join(trained.tags)).casefold()).strip("-.")
    return f"classifier-{slug[:60].rstrip('-.') or 'tags'}"


def manifest(trained: TrainedClassifier, pid: str, space: str, digest: str) -> dict[str, Any]:
    """The manifest dict of the plugin: its identity, file checksum and classifier table."""
    options = {
        "modalities": list(trained.modalities),
        "dims": dict(trained.dims),
        "thresholds": {t: float(v) for t, v in trained.thresholds.items()},
        "metrics": trained.metrics.to_json(),
        "trained_at": time.time(),
        "config": asdict(trained.config),
        "device": trained.device_used,
    }
    table = {
        "id": f"{pid}/tags",
        "space": space,
        "labels": list(trained.tags),
        "model": MODEL_FILE,
        "options": options,
    }
    return {
        "id": pid,
        "name": f"Your tags: {', '.join(trained.tags)}",
        "version": "1.0.0",
        "api": 2,
        "licence": "private",
        "description": "A tag classifier trained on this library's labels (mmdesk train).",
        "files": {MODEL_FILE: digest},
        "classifiers": [table],
    }


def save_classifier(trained: TrainedClassifier, library: Library, name: str | None = None) -> Path:
    """Write (or replace) the plugin folder and return it; the registry is refreshed so the
    new classifier is found at once. The folder is built and validated beside its place and
    swapped in, so a failed save never leaves half a plugin where discovery looks."""
    pid = plugin_id(trained, name)
    root = library.settings.user_plugin_dir
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{pid}-", dir=root))
    try:
        trained.export_onnx(staging / MODEL_FILE)
        doc = manifest(trained, pid, library.space("image").id, sha256_file(staging / MODEL_FILE))
        text = text_encoder(library)
        if text is not None and set(trained.modalities) & set(TEXT_MODALITIES):
            doc["classifiers"][0]["options"]["text_encoder"] = text.id  # prediction reads it
        (staging / "plugin.toml").write_text(manifest_toml.dumps(doc), encoding="utf-8")
        load_manifest(staging)  # strict: what discovery will read
        target = root / pid
        _swap_in(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    library.registry.refresh()
    return target


def _swap_in(staging: Path, target: Path) -> None:
    """Replace ``target`` with ``staging`` (the old folder is removed after the rename)."""
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)
