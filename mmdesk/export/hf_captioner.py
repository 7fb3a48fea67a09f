"""Export Hugging Face image-to-text models to captioner plugins (torch imported lazily).

Two families run through the same ONNX loop: ``VisionEncoderDecoderModel`` (ViT-GPT2 and
friends) and ``BlipForConditionalGeneration``. Each is written in optimum's layout
(``encoder_model.onnx``, ``decoder_model.onnx``, ``decoder_with_past_model.onnx`` with
``past_key_values.{i}.{decoder,encoder}.{key,value}`` inputs and ``present.*`` outputs), then
:mod:`.optimum_import` turns that folder into a plugin, as it does for folders optimum wrote.
"""

from __future__ import annotations

import json
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mmdesk.errors import ExportError
from mmdesk.export.optimum_import import import_optimum

OPSET = 17


def load_model(source: str) -> Any:
    """The model of a hub id or a ``save_pretrained`` folder, eval mode, eager attention."""
    from transformers import AutoConfig, BlipForConditionalGeneration, VisionEncoderDecoderModel

    config = AutoConfig.from_pretrained(source)
    classes: dict[str, Any] = {
        "vision-encoder-decoder": VisionEncoderDecoderModel,
        "blip": BlipForConditionalGeneration,
    }
    cls = classes.get(config.model_type)
    if cls is None:
        raise ExportError(
            f"{source}: model type {config.model_type!r} is not supported "
            "(VisionEncoderDecoderModel or BlipForConditionalGeneration)"
        )
    model = cls.from_pretrained(source, attn_implementation="eager").eval()
    return model.requires_grad_(False)


def generation_ids(model: Any) -> dict[str, Any]:
    """Start, end and pad ids as ``generate`` resolves them for this model family."""
    if model.config.model_type == "blip":
        text = model.config.text_config
        return {"start": [text.bos_token_id], "eos": [text.sep_token_id], "pad": text.pad_token_id}
    gen = model.generation_config
    start = gen.decoder_start_token_id or model.config.decoder_start_token_id
    eos = gen.eos_token_id if gen.eos_token_id is not None else model.config.decoder.eos_token_id
    eos_list = eos if isinstance(eos, list) else [eos]
    pad = gen.pad_token_id if gen.pad_token_id is not None else eos_list[0]
    return {"start": [start], "eos": eos_list, "pad": pad}


def _parts(model: Any) -> tuple[Any, Callable[..., Any], Any]:
    """(encoder module, decoder step function, decoder config) of one model family."""
    import torch

    if model.config.model_type == "blip":
        encoder = _Lambda(lambda px: model.vision_model(pixel_values=px)[0])
        return encoder, _blip_step(model), model.config.text_config
    proj = getattr(model, "enc_to_dec_proj", None)

    def encode(px: torch.Tensor) -> torch.Tensor:
        states = model.encoder(pixel_values=px).last_hidden_state
        return proj(states) if proj is not None else states

    def step(ids: Any, states: Any, cache: Any) -> Any:
        return model.decoder(
            input_ids=ids, encoder_hidden_states=states, past_key_values=cache, use_cache=True
        )

    return _Lambda(encode), step, model.config.decoder


def _blip_step(model: Any) -> Callable[..., Any]:
    def step(ids: Any, states: Any, cache: Any) -> Any:
        return model.text_decoder(
            input_ids=ids,
            encoder_hidden_states=states,
            past_key_values=cache,
            use_cache=True,
            return_dict=True,
        )

    return step


def _lambda_module() -> type:
    import torch

    class Lambda(torch.nn.Module):
        def __init__(self, fn: Callable[..., Any]) -> None:
            super().__init__()
            self.fn = fn

        def forward(self, *args: Any) -> Any:
            return self.fn(*args)

    return Lambda


def _Lambda(fn: Callable[..., Any]) -> Any:  # noqa: N802 - reads as the class it builds
    return _lambda_module()(fn)


def _past_names(layers: int, prefix: str, sides: tuple[str, ...]) -> list[str]:
    return [
        f"{prefix}.{i}.{s}.{kv}" for i in range(layers) for s in sides for kv in ("key", "value")
    ]


def _past_axes(name: str, decoder_length: str) -> dict[int, str]:
    """Dynamic axes of one past/present tensor: its own length name per side."""
    length = "encoder_sequence_length_out" if ".encoder." in name else decoder_length
    return {0: "batch_size", 2: length}


def _decoder_module(step: Callable[..., Any], layers: int, with_past: bool) -> Any:
    """A module over flat tensors: (ids, states, *past) -> (logits, *presents)."""
    from transformers.cache_utils import DynamicCache, EncoderDecoderCache

    def run(ids: Any, states: Any, *past: Any) -> tuple[Any, ...]:
        if with_past:
            cache = EncoderDecoderCache([tuple(past[4 * i : 4 * i + 4]) for i in range(layers)])
        else:
            cache = EncoderDecoderCache(DynamicCache(), DynamicCache())
        out = step(ids, states, cache)
        kv = out.past_key_values
        presents = []
        for i in range(layers):
            own = kv.self_attention_cache.layers[i]
            presents += [own.keys, own.values]
            if not with_past:
                cross = kv.cross_attention_cache.layers[i]
                presents += [cross.keys, cross.values]
        return (out.logits, *presents)

    return _Lambda(run)


def _export(
    module: Any,
    args: tuple[Any, ...],
    path: Path,
    names: tuple[list[str], list[str]],
    axes: dict[str, dict[int, str]],
) -> None:
    import torch

    with warnings.catch_warnings():  # the TorchScript exporter's notes are not actionable
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            args,
            str(path),
            dynamo=False,
            opset_version=OPSET,
            input_names=names[0],
            output_names=names[1],
            dynamic_axes=axes,
            do_constant_folding=True,
        )


def write_optimum_layout(model: Any, work: Path, image_size: int) -> None:
    """encoder_model.onnx, decoder_model.onnx and decoder_with_past_model.onnx in ``work``."""
    import torch

    encoder, step, dec_cfg = _parts(model)
    layers = int(dec_cfg.num_hidden_layers)
    pixels = torch.randn(2, 3, image_size, image_size, generator=torch.Generator().manual_seed(0))
    batch = {0: "batch_size"}
    _export(
        encoder,
        (pixels,),
        work / "encoder_model.onnx",
        (["pixel_values"], ["last_hidden_state"]),
        {
            "pixel_values": batch,
            "last_hidden_state": {0: "batch_size", 1: "encoder_sequence_length"},
        },
    )
    with torch.no_grad():
        states = encoder(pixels)
    ids = torch.ones((2, 1), dtype=torch.long)
    first = _decoder_module(step, layers, with_past=False)
    outs = ["logits", *_past_names(layers, "present", ("decoder", "encoder"))]
    seq = {0: "batch_size", 1: "sequence_length"}
    states_axes = {0: "batch_size", 1: "encoder_sequence_length"}
    axes = {"input_ids": seq, "encoder_hidden_states": states_axes, "logits": seq}
    axes |= {n: _past_axes(n, "decoder_sequence_length") for n in outs[1:]}
    _export(
        first,
        (ids, states),
        work / "decoder_model.onnx",
        (["input_ids", "encoder_hidden_states"], outs),
        axes,
    )
    with torch.no_grad():
        past = first(ids, states)[1:]
    rest = _decoder_module(step, layers, with_past=True)
    ins = [
        "input_ids",
        "encoder_hidden_states",
        *_past_names(layers, "past_key_values", ("decoder", "encoder")),
    ]
    outs = ["logits", *_past_names(layers, "present", ("decoder",))]
    axes = {"input_ids": seq, "encoder_hidden_states": states_axes, "logits": seq}
    axes |= {n: _past_axes(n, "past_decoder_sequence_length") for n in ins[2:]}
    axes |= {n: _past_axes(n, "past_decoder_sequence_length + 1") for n in outs[1:]}
    _export(rest, (ids, states, *past), work / "decoder_with_past_model.onnx", (ins, outs), axes)


def export_captioner(
    source: str,
    out_dir: Path,
    *,
    max_length: int = 20,
    num_beams: int = 1,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Export ``source`` (hub id or local folder) to a captioner plugin in ``out_dir``."""
    from transformers import AutoImageProcessor, AutoTokenizer

    report = progress or (lambda _m: None)
    report(f"Loading {source}")
    model = load_model(source)
    with tempfile.TemporaryDirectory(prefix=".export-") as tmp:
        work = Path(tmp)
        processor = AutoImageProcessor.from_pretrained(source)
        processor.save_pretrained(work)
        AutoTokenizer.from_pretrained(source).save_pretrained(work)
        size = _image_size(model)
        report("Exporting encoder and decoders to ONNX")
        write_optimum_layout(model, work, size)
        ids = generation_ids(model)
        gen = {
            "decoder_start_token_id": ids["start"][0],
            "eos_token_id": ids["eos"],
            "pad_token_id": ids["pad"],
            "max_length": max_length,
            "num_beams": num_beams,
        }
        (work / "generation_config.json").write_text(json.dumps(gen), encoding="utf-8")
        report("Writing the plugin")
        return import_optimum(work, out_dir, source=source)


def _image_size(model: Any) -> int:
    cfg = model.config.vision_config if model.config.model_type == "blip" else model.config.encoder
    return int(cfg.image_size)
