"""The keys of each contribution table and how a validated table becomes a typed spec."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mmdesk.errors import PluginError
from mmdesk.kinds import MODALITIES
from mmdesk.plugins.schema import Key, check_table, entry_point, inside, key, list_of
from mmdesk.plugins.specs import (
    AnySpec,
    CaptionerSpec,
    ClassifierSpec,
    EncoderSpec,
    FaceAnalyserSpec,
    TextReaderSpec,
    TranscriberSpec,
)

_COMMON = {"id": key(str, required=True), "entry": key(str), "options": key(dict)}
ENCODER_KEYS = _COMMON | {
    "space": key(str, required=True),
    "modality": key(str, required=True, choices=MODALITIES),
    "dim": key(int, required=True),
    "model": key(str, required=True),
    "preprocess": key(dict),
    "io": key(dict),
    "tokenizer": key(dict),
}
PREPROCESS_KEYS = {
    "size": key(int),
    "resize": key(str, choices=("shortest", "squash", "longest")),
    "resize_size": key(int),
    "interpolation": key(str, choices=("nearest", "bilinear", "bicubic", "lanczos")),
    "mean": list_of(float),
    "std": list_of(float),
    "fill": Key((int, float, list), items=(float,)),
}
_NUMBER = key(int, float)
_MEL = {
    "sample_rate": key(int, required=True),
    "n_fft": key(int, required=True),
    "hop": key(int, required=True),
    "n_mels": key(int, required=True),
    "fmin": _NUMBER,
    "fmax": _NUMBER,
}
# The front ends of the built-in audio runtimes, by ``[encoders.preprocess] kind``: each
# must match the one its model was trained with (see runtimes/onnx_audio.py).
AUDIO_PREPROCESS_KEYS: dict[str, dict[str, Key]] = {
    "aisfx-mel": {"kind": key(str, required=True)}
    | _MEL
    | {
        "log_scale": _NUMBER,
        "log_offset": _NUMBER,
        "norm_min": _NUMBER,
        "norm_max": _NUMBER,
        "block": key(int, required=True),
        "block_hop": key(int, required=True),
        "peak_normalise": key(bool),
        "drop_partial_block": key(bool),
    },
    "clap-mel": {"kind": key(str, required=True)}
    | _MEL
    | {
        "max_length_s": _NUMBER,
        "nb_max_samples": key(int, required=True),
        "truncation": key(str, choices=("rand_trunc", "fusion")),
        "padding": key(str, choices=("repeatpad", "repeat", "pad")),
        "mel_filters": key(str, required=True),
        "mel_scale": key(str, choices=("slaney", "htk")),
        "log_mel": key(str, choices=("dB",)),
    },
}
IO_KEYS = {"inputs": list_of(str), "output": key(str)}
TOKENIZER_KEYS = {
    "kind": key(str, choices=("hf", "openclip")),
    "file": key(str),
    "context_length": key(int),
    "pad": key(str, choices=("longest", "max")),
    "pad_id": key(int),
    "lowercase": key(bool),
    "clean": key(str, choices=("lower", "whitespace", "canonicalize")),
}
_CODE = _COMMON | {"entry": key(str, required=True), "model": key(str)}
CAPTIONER_KEYS = _COMMON | {
    "model": key(str),
    "language": key(str),
    "max_length": key(int),
    "label_based": key(bool),
    "preprocess": key(dict),
    "decoder": key(dict),
    "generation": key(dict),
    "tokenizer": key(dict),
    "labels": key(dict),
}
CAPTIONER_SUBTABLES = {
    "preprocess": PREPROCESS_KEYS,
    "decoder": {"model": key(str), "with_past": key(str), "merged": key(str)},
    "generation": {
        "num_beams": key(int),
        "length_penalty": key(float),
        "early_stopping": key(bool, str),
        "no_repeat_ngram_size": key(int),
        "start_ids": list_of(int),
        "eos_ids": list_of(int),
        "pad_id": key(int),
    },
    "tokenizer": {"file": key(str), "skip_special_tokens": key(bool)},
    "labels": {"file": key(str, required=True), "input": key(str), "output": key(str)},
}
TEXT_READER_KEYS = _COMMON | {"model": key(str), "languages": list_of(str)}  # entry: optional
# No entry: the built-in faster-whisper runtime (a model folder, or options.package).
TRANSCRIBER_KEYS = _COMMON | {
    "model": key(str),
    "sample_rate": key(int),
    "languages": list_of(str),
}
CLASSIFIER_KEYS = _COMMON | {
    "model": key(str),
    "space": key(str, required=True),
    "labels": list_of(str, required=True),
}
FACE_ANALYSER_KEYS = _COMMON | {
    "model": key(str),
    "dim": key(int),
    "match_distance": key(float, int),
}


@dataclass(frozen=True)
class Context:
    """Where a table comes from: its plugin, and that plugin's folder and [files]."""

    folder: Path
    plugin_id: str
    version: str
    files: dict[str, str]


def _base(raw: dict[str, Any], ctx: Context, where: str) -> dict[str, Any]:
    """The fields every spec shares, with the entry and the model path checked."""
    entry = raw.get("entry")
    model = raw.get("model")
    if model is not None:
        inside(model, f"{where}: model")
        if entry is None and model not in ctx.files:
            raise PluginError(f"{where}: model file {model!r} has no sha256 in [files]")
    return {
        "id": raw["id"],
        "folder": ctx.folder,
        "plugin_id": ctx.plugin_id,
        "plugin_version": ctx.version,
        "entry": None if entry is None else entry_point(entry, where),
        "options": dict(raw.get("options", {})),
    }


def _preprocess_keys(raw: dict[str, Any], where: str) -> dict[str, Key]:
    """An image encoder's preprocess keys, or an audio front end's by its ``kind``."""
    pre = raw.get("preprocess")
    kind = pre.get("kind") if isinstance(pre, dict) else None
    if kind is None:
        return PREPROCESS_KEYS
    if kind not in AUDIO_PREPROCESS_KEYS:
        known = ", ".join(AUDIO_PREPROCESS_KEYS)
        raise PluginError(f"{where} [preprocess]: unknown kind {kind!r} (known: {known})")
    return AUDIO_PREPROCESS_KEYS[kind]


def _encoder(raw: dict[str, Any], ctx: Context, where: str) -> EncoderSpec:
    check_table(raw, ENCODER_KEYS, where)
    subs = {"preprocess": _preprocess_keys(raw, where), "io": IO_KEYS, "tokenizer": TOKENIZER_KEYS}
    tables = {n: dict(check_table(raw.get(n, {}), k, f"{where} [{n}]")) for n, k in subs.items()}
    if "file" in tables["tokenizer"]:
        inside(tables["tokenizer"]["file"], f"{where} [tokenizer]: file")
    if raw["dim"] <= 0:
        raise PluginError(f"{where}: dim must be positive")
    return EncoderSpec(
        space=raw["space"],
        modality=raw["modality"],
        dim=raw["dim"],
        model=raw["model"],
        preprocess=tables["preprocess"],
        io=tables["io"],
        tokenizer=tables["tokenizer"],
        **_base(raw, ctx, where),
    )


def _captioner(raw: dict[str, Any], ctx: Context, where: str) -> CaptionerSpec:
    check_table(raw, CAPTIONER_KEYS, where)
    if "entry" not in raw and "model" not in raw:
        raise PluginError(f"{where}: missing required key 'entry' (or 'model', built-in runtime)")
    subs: dict[str, dict[str, Any]] = {
        n: dict(check_table(raw[n], k, f"{where} [{n}]")) if n in raw else {} for n, k in _CAP_SUBS
    }
    named = [*subs["decoder"].values(), subs["tokenizer"].get("file"), subs["labels"].get("file")]
    for name in filter(None, named):
        _listed(name, ctx, f"{where}: {name}", raw)
    return CaptionerSpec(
        model=raw.get("model"),
        language=raw.get("language", "en"),
        max_length=raw.get("max_length", 32),
        label_based=raw.get("label_based", bool(subs["labels"])),
        preprocess=subs["preprocess"],
        decoder=subs["decoder"],
        generation=subs["generation"],
        tokenizer=subs["tokenizer"],
        labels=subs["labels"],
        **_base(raw, ctx, where),
    )


_CAP_SUBS = tuple(CAPTIONER_SUBTABLES.items())


def _listed(name: str, ctx: Context, where: str, raw: dict[str, Any]) -> None:
    """A model file of a built-in runtime: inside the folder and checksummed in [files]."""
    inside(name, where)
    if "entry" not in raw and name not in ctx.files:
        raise PluginError(f"{where}: file {name!r} has no sha256 in [files]")


def _text_reader(raw: dict[str, Any], ctx: Context, where: str) -> TextReaderSpec:
    check_table(raw, TEXT_READER_KEYS, where)
    languages = tuple(raw.get("languages", ("en",)))
    return TextReaderSpec(model=raw.get("model"), languages=languages, **_base(raw, ctx, where))


def _transcriber(raw: dict[str, Any], ctx: Context, where: str) -> TranscriberSpec:
    check_table(raw, TRANSCRIBER_KEYS, where)
    return TranscriberSpec(
        model=raw.get("model"),
        sample_rate=raw.get("sample_rate", 16000),
        languages=tuple(raw.get("languages", ())),
        **_base(raw, ctx, where),
    )


def _classifier(raw: dict[str, Any], ctx: Context, where: str) -> ClassifierSpec:
    check_table(raw, CLASSIFIER_KEYS, where)
    if not raw["labels"]:
        raise PluginError(f"{where}: labels must not be empty")
    if "entry" not in raw and "model" not in raw:
        raise PluginError(f"{where}: missing required key 'entry' (or 'model', built-in runtime)")
    return ClassifierSpec(
        space=raw["space"],
        labels=tuple(raw["labels"]),
        model=raw.get("model"),
        **_base(raw, ctx, where),
    )


def _face_analyser(raw: dict[str, Any], ctx: Context, where: str) -> FaceAnalyserSpec:
    check_table(raw, FACE_ANALYSER_KEYS, where)
    dim, distance = raw.get("dim", 128), float(raw.get("match_distance", 0.6))
    if dim <= 0:
        raise PluginError(f"{where}: dim must be positive")
    if not distance > 0:
        raise PluginError(f"{where}: match_distance must be positive")
    return FaceAnalyserSpec(
        model=raw.get("model"), dim=dim, match_distance=distance, **_base(raw, ctx, where)
    )


Parser = Callable[[dict[str, Any], Context, str], AnySpec]
# Manifest array-of-tables name -> (what one entry is called in messages, its parser).
TABLES: dict[str, tuple[str, Parser]] = {
    "encoders": ("encoder", _encoder),
    "captioners": ("captioner", _captioner),
    "text_readers": ("text reader", _text_reader),
    "transcribers": ("transcriber", _transcriber),
    "classifiers": ("classifier", _classifier),
    "face_analysers": ("face analyser", _face_analyser),
}


def parse_tables(name: str, value: object, ctx: Context) -> tuple[AnySpec, ...]:
    """Every entry of the ``[[name]]`` array of tables, validated."""
    noun, parser = TABLES[name]
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise PluginError(f"plugin {ctx.plugin_id!r}: [[{name}]] must be a list of tables")
    specs = []
    for raw in value:
        where = f"plugin {ctx.plugin_id!r} {noun} {raw.get('id')!r}"
        specs.append(parser(raw, ctx, where))
    return tuple(specs)
