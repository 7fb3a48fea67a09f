"""Render the default plugin's ``plugin.toml`` (see docs/plugin-format.md).

Written with the exporters' shared TOML writer, in a stable layout, so diffs between two
builds stay readable.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mmdesk.plugins.checksums import sha256_file
from mmdesk.plugins.manifest import API_VERSION
from mmdesk.plugins.manifest_toml import dumps

PLUGIN_ID = "default"
SPACE = "conse-minilm-l6"
DIM = 384


def label_captioner(image: Mapping[str, Any]) -> dict[str, Any]:
    """The offline captioner: words the image model's top ImageNet classes (and OCR text).

    ``label_based`` tells the UI these captions are guesses from class labels, not sentences
    a captioning model wrote.
    """
    return {
        "id": f"{PLUGIN_ID}/labels",
        "model": "image.onnx",
        "label_based": True,
        "preprocess": dict(image),
        "labels": {"file": "classes.txt", "input": "pixel_values", "output": "probs"},
    }


def render_manifest(
    *, files: Path, image: Mapping[str, Any], text: Mapping[str, Any], extra: Mapping[str, Any]
) -> str:
    """The full ``plugin.toml`` text.

    Args:
        files: the plugin folder; every file named in ``image``/``text`` model and tokenizer
            entries must already be there, as their sha256 is taken now.
        image: ``preprocess`` mapping for the image encoder.
        text: ``tokenizer`` mapping for the text encoder.
        extra: free-form provenance shown in the plugins dialog.
    """
    names = ["image.onnx", "text.onnx", text["file"], "classes.txt"]
    return dumps(
        {
            "id": PLUGIN_ID,
            "name": "mmdesk default (EfficientNet-Lite0 + MiniLM, ConSE)",
            "version": "1.0.0",
            "api": API_VERSION,
            "licence": "Apache-2.0",
            "description": "Offline photo search: ImageNet classes mixed in MiniLM sentence space.",
            "files": {n: sha256_file(files / n) for n in names},
            "encoders": [
                {
                    "id": f"{PLUGIN_ID}/image",
                    "space": SPACE,
                    "modality": "image",
                    "dim": DIM,
                    "model": "image.onnx",
                    "preprocess": dict(image),
                    "io": {"inputs": ["pixel_values"], "output": "embedding"},
                },
                {
                    "id": f"{PLUGIN_ID}/text",
                    "space": SPACE,
                    "modality": "text",
                    "dim": DIM,
                    "model": "text.onnx",
                    "tokenizer": dict(text),
                    "io": {"inputs": ["input_ids", "attention_mask"], "output": "embedding"},
                },
            ],
            "captioners": [label_captioner(image)],
            "extra": dict(extra),
        }
    )
