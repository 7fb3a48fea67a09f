"""Export an open_clip model to an mmdesk plugin folder (ONNX image + text encoders).

The export is a plain function with a progress callback, so the CLI and the GUI drive it the
same way. It builds everything in a hidden staging folder next to ``out_dir`` and moves it into
place only once the parity checks pass, so a failed or refused export never leaves a plugin
that mmdesk would pick up.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mmdesk.errors import ExportError
from mmdesk.export import (
    catalogue,
    openclip_manifest,
    openclip_model,
    openclip_onnx,
    parity,
)
from mmdesk.export.openclip_text import check_tokenizer, write_tokenizer
from mmdesk.plugins import manifest_toml
from mmdesk.plugins.runtimes.openclip_tokenizer import trim_padding

log = logging.getLogger(__name__)
PRECISIONS = ("fp32", "fp16", "int8")
MODEL_FILES = {"image": "image.onnx", "text": "text.onnx"}
TOKENIZER_PROBES = [*parity.PROBE_TEXTS, "x" * 400, "<start_of_text> HELLO", "it's we'll"]


@dataclass
class ExportReport:
    """What an export produced, for the CLI's ``--json`` and the GUI.

    Attributes:
        plugin_id: Id of the written plugin (also its embedding space).
        out_dir: The plugin folder.
        arch: open_clip architecture.
        pretrained: Pretrained tag or checkpoint path; None for random weights.
        precision: ``fp32``, ``fp16`` or ``int8``.
        device: Torch device the export and the reference run used.
        files: ``{file name: sha256}`` as written to the manifest.
        parity: The parity report (also saved as ``parity.json`` in the folder).
        warnings: Problems accepted with ``allow_degraded``; empty for a clean export.
        seconds: Wall time of the export.
    """

    plugin_id: str
    out_dir: Path
    arch: str
    pretrained: str | None
    precision: str
    device: str
    files: dict[str, str]
    parity: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {**asdict(self), "out_dir": str(self.out_dir)}


def export_openclip(
    arch: str,
    pretrained: str | None,
    out_dir: Path,
    *,
    precision: str = "fp32",
    device: str = "cpu",
    progress: Callable[[str], None] | None = None,
    opset: int | None = None,
    allow_degraded: bool = False,
) -> ExportReport:
    """Export ``arch`` with ``pretrained`` weights into the plugin folder ``out_dir``.

    Args:
        arch: open_clip architecture, e.g. ``ViT-B-32``.
        pretrained: open_clip tag (downloaded from the Hugging Face hub if needed), a local
            checkpoint file, or None / ``"none"`` for random weights (tests, dry runs).
        out_dir: The plugin folder to create; it must not exist or be empty.
        precision: ``fp32``; ``fp16`` (weights stored as float16, computed in float32: half the
            size); ``int8`` (dynamically quantised matrix multiplies: about a quarter).
        device: ``cpu``, ``cuda`` or ``auto`` for the torch side; falls back to CPU with a
            logged warning when CUDA is unusable.
        progress: Receives one line per step; it may raise
            :class:`mmdesk.errors.CancelledError` to stop the export cleanly.
        opset: ONNX opset (default 17).
        allow_degraded: Keep an fp16/int8 export that misses the cosine or ranking thresholds
            instead of refusing it; the problems are then listed in the report and manifest.

    Returns:
        The export report.

    Raises:
        ExportError: Unknown names, no network for a download, an unsupported model, or a
            parity failure.
    """
    started, say = time.monotonic(), progress or log.info
    pretrained = None if pretrained in (None, "", "none") else pretrained
    if precision not in PRECISIONS:
        raise ExportError(f"unknown precision {precision!r}: use one of {', '.join(PRECISIONS)}")
    openclip_model.check_names(arch, pretrained)
    out_dir = check_out_dir(Path(out_dir))
    dev = openclip_model.resolve_device(device)
    if pretrained:
        openclip_model.fetch_weights(arch, pretrained, say)
    say(f"building {arch} ({pretrained or 'random weights'}) on {dev}")
    model = openclip_model.load_model(arch, pretrained, dev)
    pid = openclip_manifest.plugin_id(arch, pretrained, precision)
    staging = Path(tempfile.mkdtemp(prefix=f".{pid}-", dir=out_dir.parent))
    staging.chmod(0o755)  # mkdtemp's 0700 would hide the plugin from other accounts
    try:
        report = _build(
            model, arch, pretrained, pid, staging, precision, dev, opset, say, allow_degraded
        )
        _publish(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    report.out_dir, report.seconds = out_dir, round(time.monotonic() - started, 1)
    say(f"plugin {pid} written to {out_dir}")
    return report


def check_out_dir(out_dir: Path) -> Path:
    """An exporter's output folder: absolute, new or empty (its parent made); else an error."""
    out_dir = out_dir.expanduser().resolve()
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise ExportError(f"{out_dir} exists and is not an empty folder; choose a new one")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    return out_dir


def _publish(staging: Path, out_dir: Path) -> None:
    """Move the finished staging folder into place (same file system, so one rename)."""
    if out_dir.exists():
        out_dir.rmdir()
    os.replace(staging, out_dir)


def _build(
    model: Any,
    arch: str,
    pretrained: str | None,
    pid: str,
    folder: Path,
    precision: str,
    device: str,
    opset: int | None,
    say: Callable[[str], None],
    allow_degraded: bool,
) -> ExportReport:
    """Write every file of the plugin into ``folder`` and return the (unfinished) report."""
    say("writing the tokenizer")
    written = write_tokenizer(arch, folder, say)
    n_checked = check_tokenizer(arch, written, TOKENIZER_PROBES)
    pre = openclip_manifest.preprocess_table(dict(model.visual.preprocess_cfg))
    fp32_dir = folder / "fp32" if precision != "fp32" else folder
    fp32_dir.mkdir(exist_ok=True)
    opset = opset or openclip_onnx.DEFAULT_OPSET
    dims = _export_fp32(model, written[1], pre["size"], fp32_dir, opset, device, say)
    tokenizer = dict(written[0])
    if openclip_onnx.trimmable_text(model):  # the text model takes ids cut to the real length
        tokenizer["pad"] = "longest"
    final = _convert(fp32_dir, folder, precision, say)
    say("checking parity (torch vs ONNX)")
    report = parity.measure(model, written[1], pre, _paths(fp32_dir), final, precision, device)
    report["tokenizer_matches_open_clip"] = {"texts": n_checked, "equal": True}
    warnings = _judge(report["problems"], precision, allow_degraded)
    if fp32_dir != folder:
        shutil.rmtree(fp32_dir)
    (folder / "parity.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    names = [*MODEL_FILES.values(), written[0]["file"]]
    files = openclip_manifest.file_table(folder, names)
    doc = _manifest(pid, arch, pretrained, precision, files, dims, pre, tokenizer, report)
    (folder / "plugin.toml").write_text(manifest_toml.dumps(doc), encoding="utf-8")
    return ExportReport(pid, folder, arch, pretrained, precision, device, files, report, warnings)


def _paths(folder: Path) -> dict[str, Path]:
    return {m: folder / name for m, name in MODEL_FILES.items()}


def _export_fp32(
    model: Any,
    tokenize: Callable[[list[str]], Any],
    size: int,
    folder: Path,
    opset: int,
    device: str,
    say: Callable[[str], None],
) -> dict[str, int]:
    """Export both towers at fp32; returns their embedding lengths."""
    import torch

    ids = tokenize(["a photo of a cat", ""])
    samples = {
        "image": torch.randn(2, 3, size, size, device=device),
        "text": torch.from_numpy(ids).to(device),
    }
    traced = dict(samples)
    if openclip_onnx.trimmable_text(model):  # trace short, so no 77 is baked into the graph
        traced["text"] = torch.from_numpy(trim_padding(ids)).to(device)
    dims = {}
    for modality, sample in samples.items():
        say(f"exporting the {modality} encoder to ONNX (opset {opset})")
        with torch.no_grad():
            encode = model.encode_image if modality == "image" else model.encode_text
            dims[modality] = int(encode(sample).shape[-1])
        path = folder / MODEL_FILES[modality]
        openclip_onnx.export_tower(model, modality, traced[modality], path, opset)
    return dims


def _convert(
    fp32_dir: Path, folder: Path, precision: str, say: Callable[[str], None]
) -> dict[str, Path]:
    """Write the final ``image.onnx``/``text.onnx`` at ``precision`` into ``folder``."""
    if precision == "fp32":
        return _paths(folder)
    convert = openclip_onnx.to_fp16_weights if precision == "fp16" else openclip_onnx.to_int8
    for modality, name in MODEL_FILES.items():
        say(f"converting the {modality} encoder to {precision}")
        convert(fp32_dir / name, folder / name)
    return _paths(folder)


def _judge(problems: list[str], precision: str, allow_degraded: bool) -> list[str]:
    """Refuse broken exports; let lossy ones through only when asked, and say so."""
    fatal = [p for p in problems if p.startswith("fp32 ")]
    if fatal:
        raise ExportError("the ONNX export does not reproduce the model: " + "; ".join(fatal))
    if problems and not allow_degraded:
        raise ExportError(
            f"{precision} would change search results: "
            + "; ".join(problems)
            + f". Export fp32 or fp16 instead, or pass allow_degraded to keep {precision}."
        )
    for problem in problems:
        log.warning("accepted degraded export: %s", problem)
    return problems


def _manifest(
    pid: str,
    arch: str,
    pretrained: str | None,
    precision: str,
    files: dict[str, str],
    dims: dict[str, int],
    pre: dict[str, Any],
    tokenizer: dict[str, Any],
    report: dict[str, Any],
) -> dict[str, Any]:
    """The plugin.toml document."""
    import open_clip

    weights = pretrained or "random weights"
    purpose = "" if pretrained else " Random weights: for tests only, useless for search."
    entry = catalogue.find(arch, pretrained)
    extra: dict[str, Any] = {
        "source": "open_clip",
        "open_clip_version": open_clip.__version__,
        "arch": arch,
        "pretrained": pretrained or "none",
        "precision": precision,
        "precision_note": _PRECISION_NOTES[precision],
        "parity_image_min_cosine": report["fp32_vs_torch"]["image"]["min"],
        "parity_text_min_cosine": report["fp32_vs_torch"]["text"]["min"],
        "degraded": report["problems"],
    }
    if entry and entry.flickr_t2i_r1 is not None:
        extra |= {
            "flickr30k_t2i_r1": entry.flickr_t2i_r1,
            "mscoco_t2i_r1": entry.coco_t2i_r1,
            "figures_source": entry.source,
        }
    return {
        "id": pid,
        "name": f"open_clip {arch} {weights} ({precision})",
        "version": "1.0.0",
        "api": openclip_manifest.API,
        "licence": "see the model card of the pretrained weights",
        "description": f"open_clip {arch} image and text encoders, exported to ONNX by mmdesk."
        + purpose,
        "files": files,
        "encoders": openclip_manifest.encoder_tables(pid, dims, pre, tokenizer),
        "extra": extra,
    }


_PRECISION_NOTES = {
    "fp32": "float32 weights and compute",
    "fp16": "float16 weights, float32 compute (half the size, fp32 speed)",
    "int8": "int8 dynamically quantised MatMul/Gemm/embedding weights, float activations",
}
