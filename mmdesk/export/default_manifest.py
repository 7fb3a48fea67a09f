"""Render the default plugin's ``plugin.toml`` (see docs/plugin-format.md).

The manifest is written by hand rather than with a TOML library: its shape is fixed, the
standard library only reads TOML, and a hand-written file keeps the comment-free, stable
layout that makes diffs between two builds readable.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mmdesk.plugins.checksums import sha256_file

PLUGIN_ID = "default"
SPACE = "conse-minilm-l6"
DIM = 384




def _value(value: Any) -> str:
    """A TOML literal for a str, bool, int, float or flat list of those.

    ``json.dumps`` output is valid TOML for these types (TOML basic strings accept the same
    escapes), which avoids writing a string escaper.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, (str, int, float)):
        return json.dumps(value, ensure_ascii=True)
    raise TypeError(f"cannot write {type(value).__name__} to the manifest")


def _table(header: str, items: Mapping[str, Any]) -> list[str]:
    lines = [header] if header else []
    lines += [f"{json.dumps(key)} = {_value(val)}" if not key.isidentifier()
              else f"{key} = {_value(val)}" for key, val in items.items()]
    return lines


def render_manifest(*, files: Path, image: Mapping[str, Any], text: Mapping[str, Any],
                    extra: Mapping[str, Any]) -> str:
    """The full ``plugin.toml`` text.

    Args:
        files: the plugin folder; every file named in ``image``/``text`` model and tokenizer
            entries must already be there, as their sha256 is taken now.
        image: ``preprocess`` mapping for the image encoder.
        text: ``tokenizer`` mapping for the text encoder.
        extra: free-form provenance shown in the plugins dialog.
    """
    names = ["image.onnx", "text.onnx", text["file"]]
    lines = _table("", {
        "id": PLUGIN_ID,
        "name": "mmdesk default (EfficientNet-Lite0 + MiniLM, ConSE)",
        "version": "1.0.0",
        "api": 1,
        "licence": "Apache-2.0",
        "description": "Offline photo search: ImageNet classes mixed in MiniLM sentence space.",
    })
    lines += [""] + _table("[files]", {n: sha256_file(files / n) for n in names})
    lines += [""] + _table("[[encoders]]", {"id": f"{PLUGIN_ID}/image", "space": SPACE,
                                             "modality": "image", "dim": DIM,
                                             "model": "image.onnx"})
    lines += _table("[encoders.preprocess]", image)
    lines += _table("[encoders.io]", {"inputs": ["pixel_values"], "output": "embedding"})
    lines += [""] + _table("[[encoders]]", {"id": f"{PLUGIN_ID}/text", "space": SPACE,
                                             "modality": "text", "dim": DIM,
                                             "model": "text.onnx"})
    lines += _table("[encoders.tokenizer]", text)
    lines += _table("[encoders.io]", {"inputs": ["input_ids", "attention_mask"],
                                      "output": "embedding"})
    lines += [""] + _table("[extra]", extra)
    return "\n".join(lines) + "\n"
