"""Turn an ONNX captioner folder in optimum's layout into an mmdesk captioner plugin.

A person may have exported a captioner elsewhere (``optimum-cli export onnx --task
image-to-text-with-past``); this copies its ONNX files and tokenizer into a plugin folder,
reads the start/end ids and search settings from ``generation_config.json`` (and
``config.json``) and the preprocessing from ``preprocessor_config.json``, and writes a
``plugin.toml`` with every file's sha256. Needs no torch.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from mmdesk.errors import ExportError
from mmdesk.plugins.checksums import sha256_file
from mmdesk.plugins.manifest import API_VERSION
from mmdesk.plugins.manifest_toml import dumps

ENCODER = "encoder_model.onnx"
DECODERS = {
    "model": "decoder_model.onnx",
    "with_past": "decoder_with_past_model.onnx",
    "merged": "decoder_model_merged.onnx",
}
_RESAMPLE = {0: "nearest", 1: "lanczos", 2: "bilinear", 3: "bicubic"}
_SEARCH = ("num_beams", "length_penalty", "early_stopping", "no_repeat_ngram_size")


def _json(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else {}


def plugin_id_for(name: str) -> str:
    """A plugin id from a model name: ``nlpconnect/vit-gpt2`` -> ``caption-nlpconnect-vit-gpt2``."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "model"
    return f"caption-{slug}"


def preprocess_from(cfg: dict[str, Any]) -> dict[str, Any]:
    """``preprocessor_config.json`` (ViT/BLIP image processors) as a ``[preprocess]`` table."""
    size = cfg.get("size", 224)
    side = size if isinstance(size, int) else size.get("height", size.get("shortest_edge", 224))
    normalise = cfg.get("do_normalize", True)
    return {
        "size": int(side),
        "resize": "squash",
        "interpolation": _RESAMPLE.get(int(cfg.get("resample", 2)), "bilinear"),
        "mean": [float(v) for v in cfg.get("image_mean", [0.5] * 3)] if normalise else [0.0] * 3,
        "std": [float(v) for v in cfg.get("image_std", [0.5] * 3)] if normalise else [1.0] * 3,
    }


def generation_from(gen: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """Start/end/pad ids and search settings from the generation and model configs."""
    decoder = config.get("decoder", config.get("text_config", {}))
    start = gen.get("decoder_start_token_id", config.get("decoder_start_token_id"))
    start = start if start is not None else decoder.get("bos_token_id")
    eos = gen.get("eos_token_id", decoder.get("eos_token_id"))
    if start is None or eos is None:
        raise ExportError("generation_config.json needs decoder_start_token_id and eos_token_id")
    eos_ids = [int(e) for e in (eos if isinstance(eos, list) else [eos])]
    pad = gen.get("pad_token_id", decoder.get("pad_token_id"))
    out: dict[str, Any] = {k: gen[k] for k in _SEARCH if gen.get(k) is not None}
    out |= {
        "start_ids": [int(start)],
        "eos_ids": eos_ids,
        "pad_id": int(eos_ids[0] if pad is None else pad),
    }
    return out


def _model_files(folder: Path) -> tuple[dict[str, str], list[str]]:
    """(decoder table, every file to copy); refuses a folder without encoder or decoder."""
    if not (folder / ENCODER).is_file():
        raise ExportError(f"{folder} has no {ENCODER}: not an optimum image-to-text export")
    decoder = {k: v for k, v in DECODERS.items() if (folder / v).is_file()}
    if "model" not in decoder and "merged" not in decoder:
        raise ExportError(f"{folder} has no decoder_model.onnx or decoder_model_merged.onnx")
    if "merged" in decoder:  # one file does both steps
        decoder = {"merged": DECODERS["merged"]}
    if not (folder / "tokenizer.json").is_file():
        raise ExportError(f"{folder} has no tokenizer.json (a fast tokenizer is needed)")
    names = [ENCODER, *decoder.values()]
    data = [
        p.name for p in folder.iterdir() if p.name.startswith(tuple(names)) and p.name not in names
    ]
    return decoder, [*names, *sorted(data), "tokenizer.json"]


def manifest(folder: Path, pid: str, decoder: dict[str, str], files: list[str], source: str) -> str:
    """The ``plugin.toml`` of an imported captioner folder (files already copied in)."""
    gen = generation_from(_json(folder / "generation_config.json"), _json(folder / "config.json"))
    max_length = int(_json(folder / "generation_config.json").get("max_length") or 20)
    return dumps(
        {
            "id": pid,
            "name": f"Captioner {source}",
            "version": "1.0.0",
            "api": API_VERSION,
            "description": f"Image captions by {source} (ONNX, optimum layout).",
            "files": {n: sha256_file(folder / n) for n in files},
            "captioners": [
                {
                    "id": f"{pid}/caption",
                    "model": ENCODER,
                    "max_length": max_length,
                    "label_based": False,
                    "preprocess": preprocess_from(_json(folder / "preprocessor_config.json")),
                    "decoder": decoder,
                    "generation": gen,
                    "tokenizer": {"file": "tokenizer.json"},
                }
            ],
            "extra": {"source": source},
        }
    )


def import_optimum(folder: Path, out_dir: Path, *, source: str | None = None) -> Path:
    """Copy an optimum-layout folder into the plugin folder ``out_dir``; returns it.

    Files go into a temporary folder beside ``out_dir`` first and ``plugin.toml`` is written
    last, so an interrupted import never leaves something that looks like a plugin.
    """
    folder, out_dir = Path(folder), Path(out_dir)
    decoder, files = _model_files(folder)
    pid = out_dir.name if out_dir.name.startswith("caption-") else plugin_id_for(out_dir.name)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".import-", dir=out_dir.parent) as tmp:
        work = Path(tmp)
        for name in files:
            shutil.copyfile(folder / name, work / name)
        for name in ("generation_config.json", "config.json", "preprocessor_config.json"):
            if (folder / name).is_file():
                shutil.copyfile(folder / name, work / name)
        text = manifest(work, pid, decoder, files, source or folder.name)
        (out_dir / "plugin.toml").unlink(missing_ok=True)
        for name in [p.name for p in work.iterdir()]:
            os.replace(work / name, out_dir / name)
        (out_dir / "plugin.toml").write_text(text, encoding="utf-8")
    return out_dir
