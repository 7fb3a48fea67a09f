"""The ``plugin.toml`` of an exported open_clip model (see docs/plugin-format.md)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mmdesk.errors import ExportError
from mmdesk.plugins.checksums import sha256_file as sha256
from mmdesk.plugins.manifest import API_VERSION

# The plugin API exported manifests target (``"api"`` of the manifest openclip.py assembles).
API = API_VERSION
_RESIZE = {"shortest": "shortest", "squash": "squash", "longest": "longest"}


def plugin_id(arch: str, pretrained: str | None, precision: str) -> str:
    """``openclip-<arch>-<tag>[-fp16|-int8]``, lower case and limited to ``[a-z0-9_.-]``.

    Lossy precisions get their own id, and so their own space: their vectors differ from
    fp32's by up to a percent, and mixing them in one index would blur rankings unnoticed.
    """
    tag = Path(pretrained).stem if pretrained and Path(pretrained).is_file() else pretrained
    raw = f"openclip-{arch}-{tag or 'random'}" + ("" if precision == "fp32" else f"-{precision}")
    slug = re.sub(r"[^a-z0-9_.-]+", "-", raw.lower()).strip("-._")
    return re.sub(r"-{2,}", "-", slug)


def preprocess_table(pre_cfg: dict[str, Any]) -> dict[str, Any]:
    """Map open_clip's ``PreprocessCfg`` to the manifest's ``[encoders.preprocess]``.

    open_clip's ``shortest`` mode resizes the short side to the crop size itself, so
    ``resize_size`` equals ``size``; ``random`` interpolation (a training option) becomes
    bicubic.
    """
    size = pre_cfg["size"]
    if isinstance(size, (tuple, list)):
        if size[0] != size[1]:
            raise ExportError(f"non-square input {tuple(size)} is not supported by mmdesk")
        size = size[0]
    mode = _RESIZE.get(pre_cfg.get("resize_mode", "shortest"))
    if mode is None:
        raise ExportError(f"unknown open_clip resize_mode {pre_cfg.get('resize_mode')!r}")
    interpolation = pre_cfg.get("interpolation", "bicubic")
    return {
        "size": int(size),
        "resize": mode,
        "resize_size": int(size),
        "interpolation": "bicubic" if interpolation == "random" else interpolation,
        "mean": [float(v) for v in pre_cfg["mean"]],
        "std": [float(v) for v in pre_cfg["std"]],
    }


def encoder_tables(
    pid: str, dims: dict[str, int], pre: dict[str, Any], tokenizer: dict[str, Any]
) -> list[dict[str, Any]]:
    """The two ``[[encoders]]`` entries; both share the plugin id as their space."""
    image = {
        "id": f"{pid}/image",
        "space": pid,
        "modality": "image",
        "dim": dims["image"],
        "model": "image.onnx",
        "preprocess": pre,
        "io": {"inputs": ["pixel_values"], "output": "embedding"},
    }
    text = {
        "id": f"{pid}/text",
        "space": pid,
        "modality": "text",
        "dim": dims["text"],
        "model": "text.onnx",
        "tokenizer": tokenizer,
        "io": {"inputs": ["input_ids"], "output": "embedding"},
    }
    return [image, text]


def file_table(folder: Path, names: list[str]) -> dict[str, str]:
    """``{file name: sha256}`` for the plugin's model and data files."""
    return {name: sha256(folder / name) for name in sorted(names)}
