"""Export a Hugging Face CLAP model (``ClapModel``) to an audio + text plugin: "a dog barking"
finds the barking in a person's sounds.

The audio tower with its projection (``get_audio_features``) and the text tower with its
projection (``get_text_features``) become two ONNX files with a dynamic batch; the feature
extractor's constants go into the manifest and its mel filter bank into a ``.npy``, so the
runtime (``plugins/runtimes/clap_audio``) needs neither torch nor transformers. Like the other
exporters, everything is built in a hidden staging folder and moved into place only once the
parity check (the plugin's own runtimes against transformers) passes.

Fused models (``enable_fusion``) are exported too: mmdesk feeds windows no longer than the
model's ``max_length_s``, for which CLAP's fusion branch is off (``is_longer`` false), so the
graph is the global branch that the model uses for such clips.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from mmdesk.errors import ExportError
from mmdesk.export import parity
from mmdesk.export.openclip import check_out_dir
from mmdesk.export.openclip_manifest import API, file_table
from mmdesk.plugins import manifest_toml
from mmdesk.plugins.runtimes.clap_audio import PADDINGS, ClapAudioEncoder
from mmdesk.plugins.runtimes.onnx_encoder import OnnxTextEncoder
from mmdesk.plugins.session import SessionOptions
from mmdesk.plugins.specs import EncoderSpec

log = logging.getLogger(__name__)
OPSET = 17
FILES = {"audio": "audio.onnx", "text": "text.onnx"}
FILTERS, TOKENIZER = "mel_filters.npy", "tokenizer.json"
MAX_FRONT_END_DB = 1e-3  # largest allowed log-mel difference from ClapFeatureExtractor
PROBE_TEXTS = [*parity.PROBE_TEXTS, "a dog barking", "rain on a tin roof", "word " * 600]


def plugin_id_for(source: str, name: str | None = None) -> str:
    """``clap-<name>``: ``name``, else the hub repository's or folder's name, made id-safe."""
    raw = name or Path(source.rstrip("/\\")).name
    slug = re.sub(r"[^a-z0-9_.-]+", "-", raw.lower()).strip("-._")
    slug = re.sub(r"^clap[-_]", "", slug) or "model"
    return f"clap-{slug}"


def load(source: str) -> tuple[Any, Any, Any]:
    """(model in eval mode, feature extractor, tokenizer) of a hub id or a local folder.

    A folder is read with ``local_files_only``; only a hub id may download (the person asked).
    """
    from transformers import AutoConfig, ClapModel, ClapProcessor

    local = Path(source).expanduser().is_dir()
    where = str(Path(source).expanduser().resolve()) if local else source
    try:
        config = AutoConfig.from_pretrained(where, local_files_only=local)
        if config.model_type != "clap":
            raise ExportError(f"{source}: model type {config.model_type!r} is not CLAP")
        model = ClapModel.from_pretrained(where, local_files_only=local).eval()
        processor = ClapProcessor.from_pretrained(where, local_files_only=local)
    except (OSError, ValueError) as exc:
        hint = "" if local else " (a hub id needs the network once, or give a local folder)"
        raise ExportError(f"cannot load the CLAP model {source}{hint}: {exc}") from exc
    return model.requires_grad_(False), processor.feature_extractor, processor.tokenizer


def export_clap(
    source: str,
    out_dir: Path,
    *,
    name: str | None = None,
    progress: Callable[[str], None] | None = None,
    opset: int = OPSET,
) -> Path:
    """Export the CLAP model ``source`` (hub id or ``save_pretrained`` folder) to ``out_dir``.

    Args:
        source: e.g. ``laion/clap-htsat-unfused``, or a local folder.
        out_dir: The plugin folder to create; it must not exist or be empty.
        name: Plugin name (id ``clap-<name>``); defaults to the model's name.
        progress: Receives one line per step; may raise CancelledError to stop.
        opset: ONNX opset.

    Returns:
        The plugin folder.

    Raises:
        ExportError: Not a CLAP model, an unsupported front end, or a parity failure.
    """
    say = progress or log.info
    out_dir = check_out_dir(Path(out_dir))
    say(f"loading {source}")
    model, extractor, tokenizer = load(source)
    pre = preprocess_table(extractor, bool(model.config.audio_config.enable_fusion))
    pid = plugin_id_for(source, name)
    with _staging(out_dir, pid) as folder:
        np.save(folder / FILTERS, mel_filters(extractor))
        specs = _specs(folder, pid, model, pre, _write_tokenizer(tokenizer, model, folder))
        _export_towers(model, specs["audio"], tokenizer, folder, opset, say)
        say("checking parity (plugin runtimes vs transformers)")
        report = measure(model, extractor, tokenizer, specs)
        (folder / "parity.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
        doc = _manifest(pid, source, model, extractor, specs, report, folder)
        (folder / "plugin.toml").write_text(manifest_toml.dumps(doc), encoding="utf-8")
    say(f"plugin {pid} written to {out_dir}")
    return out_dir


@contextmanager
def _staging(out_dir: Path, pid: str) -> Iterator[Path]:
    """A hidden folder beside ``out_dir``, renamed onto it only if the block succeeds."""
    staging = Path(tempfile.mkdtemp(prefix=f".{pid}-", dir=out_dir.parent))
    staging.chmod(0o755)  # mkdtemp's 0700 would hide the plugin from other accounts
    try:
        yield staging
        if out_dir.exists():
            out_dir.rmdir()
        os.replace(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def preprocess_table(extractor: Any, fused: bool) -> dict[str, Any]:
    """``[encoders.preprocess]`` of the audio encoder: ``ClapFeatureExtractor``'s constants.

    Raises:
        ExportError: A truncation or padding mode mmdesk does not reproduce, or an unfused
            model with ``fusion`` truncation (4 channels that transformers cannot run either).
    """
    truncation, padding = str(extractor.truncation), str(extractor.padding)
    if truncation not in ("rand_trunc", "fusion") or padding not in PADDINGS:
        raise ExportError(f"unsupported CLAP front end: truncation {truncation!r}, {padding!r}")
    if truncation == "fusion" and not fused:
        raise ExportError("the feature extractor wants fusion but the model has no fusion layers")
    return {
        "kind": "clap-mel",
        "sample_rate": int(extractor.sampling_rate),
        "n_fft": int(extractor.fft_window_size),
        "hop": int(extractor.hop_length),
        "n_mels": int(extractor.feature_size),
        "fmin": float(extractor.frequency_min),
        "fmax": float(extractor.frequency_max),
        "max_length_s": extractor.max_length_s,
        "nb_max_samples": int(extractor.nb_max_samples),
        "truncation": truncation,
        "padding": padding,
        "mel_filters": FILTERS,
        "mel_scale": "slaney" if truncation == "rand_trunc" else "htk",
        "log_mel": "dB",
    }


def mel_filters(extractor: Any) -> np.ndarray:
    """The bank the extractor applies: librosa's (slaney) for rand_trunc, htk for fusion."""
    slaney = extractor.truncation == "rand_trunc"
    return np.asarray(extractor.mel_filters_slaney if slaney else extractor.mel_filters, np.float64)


def context_length(tokenizer: Any, model: Any) -> int:
    """Tokens per text: the tokenizer's limit, within RoBERTa's positions (pad offset)."""
    text = model.config.text_config
    limit = int(text.max_position_embeddings) - int(text.pad_token_id) - 1
    wanted = int(getattr(tokenizer, "model_max_length", limit) or limit)
    return min(wanted, limit)


def _write_tokenizer(tokenizer: Any, model: Any, folder: Path) -> dict[str, Any]:
    """Save ``tokenizer.json``; returns the text encoder's ``[encoders.tokenizer]``."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        raise ExportError("the model's tokenizer has no tokenizer.json (a fast tokenizer)")
    backend.save(str(folder / TOKENIZER))
    return {
        "kind": "hf",
        "file": TOKENIZER,
        "context_length": context_length(tokenizer, model),
        "pad": "longest",
        "pad_id": int(tokenizer.pad_token_id),
    }


def _specs(
    folder: Path, pid: str, model: Any, pre: dict[str, Any], tokenizer: dict[str, Any]
) -> dict[str, EncoderSpec]:
    """The two encoder specs as the manifest will declare them (used for parity too)."""
    inputs = {"audio": ["input_features"], "text": ["input_ids", "attention_mask"]}
    tables: dict[str, dict[str, Any]] = {
        "audio": {"preprocess": pre},
        "text": {"tokenizer": tokenizer},
    }
    return {
        m: EncoderSpec(
            f"{pid}/{m}",
            space=pid,
            modality="audio" if m == "audio" else "text",
            dim=int(model.config.projection_dim),
            model=FILES[m],
            folder=folder,
            plugin_id=pid,
            plugin_version="1.0.0",
            io={"inputs": inputs[m], "output": "embedding"},
            **tables[m],
        )
        for m in FILES
    }


def _pooled(out: Any) -> Any:
    """The projected vectors: transformers 5 returns a model output, 4 a tensor."""
    return getattr(out, "pooler_output", out)


def _towers(model: Any) -> tuple[Any, Any]:
    """Modules over plain tensors: log-mel windows -> vectors, (ids, mask) -> vectors."""
    import torch

    class Audio(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, mels: torch.Tensor) -> torch.Tensor:
            shorter = torch.zeros((mels.shape[0], 1), dtype=torch.bool)  # no fusion branch
            return _pooled(self.model.get_audio_features(input_features=mels, is_longer=shorter))

    class Text(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            return _pooled(self.model.get_text_features(input_ids=ids, attention_mask=mask))

    return Audio().eval(), Text().eval()


def _export_towers(
    model: Any,
    audio: EncoderSpec,
    tokenizer: Any,
    folder: Path,
    opset: int,
    say: Callable[[str], None],
) -> None:
    import torch

    pre = audio.preprocess
    frames = pre["nb_max_samples"] // pre["hop"] + 1
    mels = torch.randn(2, 1, frames, pre["n_mels"]) * 20 - 40
    tokens = tokenizer(["a dog barking", "rain"], padding=True, return_tensors="pt")
    audio_tower, text_tower = _towers(model)
    seq = {0: "batch", 1: "sequence"}
    say(f"exporting the audio encoder to ONNX (opset {opset})")
    _export(audio_tower, (mels,), folder / FILES["audio"], ["input_features"], opset, {})
    say(f"exporting the text encoder to ONNX (opset {opset})")
    args = (tokens["input_ids"], tokens["attention_mask"])
    axes = {"input_ids": seq, "attention_mask": seq}
    _export(text_tower, args, folder / FILES["text"], ["input_ids", "attention_mask"], opset, axes)


def _export(
    module: Any,
    args: tuple[Any, ...],
    path: Path,
    inputs: list[str],
    opset: int,
    axes: dict[str, dict[int, str]],
) -> None:
    """One tower with a dynamic batch (TorchScript exporter, as for open_clip)."""
    import torch

    axes = {inputs[0]: {0: "batch"}, **axes, "embedding": {0: "batch"}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about shapes taken as constants
        try:
            torch.onnx.export(
                module,
                args,
                str(path),
                input_names=inputs,
                output_names=["embedding"],
                dynamic_axes=axes,
                opset_version=opset,
                dynamo=False,
                do_constant_folding=True,
            )
        except Exception as exc:  # noqa: BLE001 - the exporter raises many types
            raise ExportError(f"ONNX export of {path.stem} failed: {exc}") from exc


def probe_sounds(rate: int, window: int) -> list[np.ndarray]:
    """Short (padded), exact-length, long (several windows), clicks and silence."""
    rng = np.random.default_rng(0)
    t = np.arange(int(window * 2.5)) / rate
    sweep = np.sin(2 * np.pi * (200 + 4000 * t / t[-1]) * t) * 0.3
    clicks = np.zeros(max(window // 200, 64))
    clicks[:: max(len(clicks) // 4, 1)] = 0.9
    sounds = [
        rng.standard_normal(window // 2) * 0.1,
        sweep[:window],
        sweep + rng.standard_normal(len(t)) * 0.02,
        clicks,
        np.zeros(window // 4),
    ]
    return [s.astype(np.float32) for s in sounds]


def measure(
    model: Any, extractor: Any, tokenizer: Any, specs: dict[str, EncoderSpec]
) -> dict[str, Any]:
    """The plugin's runtimes (numpy front end, mmdesk tokenizer, ONNX) against transformers.

    Raises:
        ExportError: Any figure over its tolerance.
    """
    options = SessionOptions("cpu")
    report = {
        "audio": _audio_parity(model, extractor, ClapAudioEncoder(specs["audio"], options)),
        "text": _text_parity(model, tokenizer, OnnxTextEncoder(specs["text"], options)),
        "thresholds": {"min_cosine": parity.FP32_MIN_COSINE, "max_mel_db": MAX_FRONT_END_DB},
    }
    problems = [
        f"{m} cosine vs torch {report[m]['cosine']['min']:.6f} < {parity.FP32_MIN_COSINE}"
        for m in FILES
        if report[m]["cosine"]["min"] < parity.FP32_MIN_COSINE
    ]
    if report["audio"]["mel_max_abs_db"] > MAX_FRONT_END_DB:
        problems.append(f"log-mel differs by {report['audio']['mel_max_abs_db']:.4g} dB")
    if not report["text"]["tokens_equal"]:
        problems.append("mmdesk's tokenizer does not reproduce the model's tokenizer")
    if problems:
        raise ExportError("the export does not reproduce the model: " + "; ".join(problems))
    return report


def _audio_parity(model: Any, extractor: Any, runtime: ClapAudioEncoder) -> dict[str, Any]:
    import torch

    front = runtime.front
    chunks = [
        w for s in probe_sounds(front.sample_rate, front.nb_max_samples) for w in _raw(s, front)
    ]
    ours = np.concatenate([runtime.preprocess_audio(c, front.sample_rate) for c in chunks])
    theirs = extractor(chunks, sampling_rate=front.sample_rate, return_tensors="np")
    feats = np.asarray(theirs["input_features"], np.float32)
    shorter = torch.zeros((len(feats), 1), dtype=torch.bool)
    with torch.no_grad():
        out = model.get_audio_features(input_features=torch.from_numpy(feats), is_longer=shorter)
    ref = _pooled(out).numpy()
    return {
        "n_windows": len(chunks),
        "mel_max_abs_db": float(np.abs(ours[:, 0] - feats[:, 0]).max()),
        "cosine": parity.summarise(parity.cosines(ref, runtime.encode(ours))),
    }


def _raw(sound: np.ndarray, front: Any) -> list[np.ndarray]:
    """The unpadded pieces the runtime's windows come from (the extractor pads them itself)."""
    if len(sound) <= front.nb_max_samples:
        return [sound]
    return [w.copy() for w in front.windows(sound)]


def _text_parity(model: Any, tokenizer: Any, runtime: OnnxTextEncoder) -> dict[str, Any]:
    import torch

    length = int(runtime.spec.tokenizer["context_length"])
    theirs = tokenizer(
        PROBE_TEXTS, padding=True, truncation=True, max_length=length, return_tensors="np"
    )
    ours = runtime.tokenize(PROBE_TEXTS)
    equal = all(
        np.array_equal(ours[k], np.asarray(theirs[k])) for k in ("input_ids", "attention_mask")
    )
    args = {k: torch.from_numpy(np.asarray(theirs[k], np.int64)) for k in ours}
    with torch.no_grad():
        out = model.get_text_features(**args)
    ref = _pooled(out).numpy()
    return {
        "n_texts": len(PROBE_TEXTS),
        "tokens_equal": equal,
        "cosine": parity.summarise(parity.cosines(ref, runtime.encode_texts(PROBE_TEXTS))),
    }


def _manifest(
    pid: str,
    source: str,
    model: Any,
    extractor: Any,
    specs: dict[str, EncoderSpec],
    report: dict[str, Any],
    folder: Path,
) -> dict[str, Any]:
    """The plugin.toml document."""
    import transformers

    label = Path(source).name if Path(source).expanduser().is_dir() else source
    encoders = [
        {
            "id": s.id,
            "space": s.space,
            "modality": s.modality,
            "dim": s.dim,
            "model": s.model,
            "io": s.io,
            **({"preprocess": s.preprocess} if s.preprocess else {"tokenizer": s.tokenizer}),
        }
        for s in specs.values()
    ]
    return {
        "id": pid,
        "name": f"CLAP {label} (sounds and words)",
        "version": "1.0.0",
        "api": API,
        "licence": "see the model card of the weights",
        "description": f"CLAP {label}: audio and text encoders exported to ONNX by mmdesk.",
        "files": file_table(folder, [*FILES.values(), FILTERS, TOKENIZER]),
        "encoders": encoders,
        "extra": {
            "source": "transformers",
            "model": label,
            "transformers_version": transformers.__version__,
            "fused": bool(model.config.audio_config.enable_fusion),
            "parity_audio_min_cosine": report["audio"]["cosine"]["min"],
            "parity_text_min_cosine": report["text"]["cosine"]["min"],
            "parity_mel_max_abs_db": report["audio"]["mel_max_abs_db"],
        },
    }
