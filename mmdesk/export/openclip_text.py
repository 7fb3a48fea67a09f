"""Write an open_clip model's tokenizer into a plugin folder in a form read without torch.

Two kinds: CLIP's byte-level BPE (``openclip``: the gzipped merges file and mmdesk's port of
``SimpleTokenizer``) and Hugging Face tokenizers (``hf``: ``tokenizer.json``, as SigLIP uses).
Either way the written tokenizer is checked against open_clip's own on edge-case texts before
the export is accepted, because a tokenizer that differs silently ruins every text query.
"""

from __future__ import annotations

import shutil
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from mmdesk.errors import ExportError
from mmdesk.export.openclip_model import Progress, hub_reachable, tokenizer_source
from mmdesk.plugins.openclip_tokenizer import HfClipTokenizer, OpenClipTokenizer

BPE_FILE = "bpe_simple_vocab_16e6.txt.gz"
HF_FILE = "tokenizer.json"
Tokenize = Callable[[list[str]], np.ndarray]
Written = tuple[dict[str, Any], Tokenize, Callable[[list[str]], Any]]


def write_tokenizer(arch: str, folder: Path, progress: Progress) -> Written:
    """Write the tokenizer files of ``arch`` into ``folder``.

    Returns:
        The manifest's ``[encoders.tokenizer]`` table, the torch-free tokenizer it describes
        and open_clip's own tokenizer (torch tensors out) to check it against.
    """
    src = tokenizer_source(arch)
    if src["mode"]:
        raise ExportError(f"{arch}: open_clip tokenizer mode {src['mode']!r} is not supported")
    unsupported = set(src["kwargs"]) - {"clean"}
    if unsupported:
        raise ExportError(
            f"{arch}: tokenizer options {sorted(unsupported)} are not supported "
            "by mmdesk's runtime yet"
        )
    if src["hf_name"] or "siglip" in arch.lower():
        return _write_hf(arch, src, folder, progress)
    return _write_bpe(arch, src, folder)


def _write_bpe(arch: str, src: dict[str, Any], folder: Path) -> Written:
    import open_clip
    from open_clip.tokenizer import default_bpe

    shutil.copyfile(default_bpe(), folder / BPE_FILE)
    clean = src["kwargs"].get("clean", "lower")
    section = {
        "kind": "openclip",
        "file": BPE_FILE,
        "context_length": src["context_length"],
        "pad": "max",
        "pad_id": 0,
    }
    if clean != "lower":
        section["clean"] = clean
    runtime = OpenClipTokenizer(folder / BPE_FILE, src["context_length"], clean=clean)
    return section, runtime, open_clip.get_tokenizer(arch)


def _open_clip_tokenizer(arch: str, hf_name: str, progress: Progress) -> Any:
    """open_clip's tokenizer for ``arch``; for hub tokenizers this downloads a few small files."""
    import open_clip
    from huggingface_hub import try_to_load_from_cache

    cached = hf_name and isinstance(try_to_load_from_cache(hf_name, HF_FILE), str)
    if hf_name and not cached:
        if not hub_reachable():
            raise ExportError(
                f"could not download the tokenizer {hf_name} for {arch}: "
                "no network? Connect and try again."
            )
        progress(f"downloading tokenizer {hf_name} ...")
    try:
        return open_clip.get_tokenizer(arch)
    except Exception as exc:  # noqa: BLE001 - hub, transformers and fsspec errors vary
        raise ExportError(
            f"could not download the tokenizer {hf_name or arch} for {arch}: "
            f"no network? ({type(exc).__name__}: {exc})"
        ) from exc


def _write_hf(arch: str, src: dict[str, Any], folder: Path, progress: Progress) -> Written:
    reference = _open_clip_tokenizer(arch, src["hf_name"], progress)
    hf = getattr(reference, "tokenizer", None)
    if hf is None or not hasattr(hf, "backend_tokenizer"):
        raise ExportError(f"{arch}: open_clip's tokenizer has no fast (tokenizers) backend")
    # HFTokenizer defaults to 'whitespace'; SigLipTokenizer always canonicalises.
    clean = src["kwargs"].get("clean", "whitespace" if src["hf_name"] else "canonicalize")
    context_length = reference.context_length or src["context_length"]
    pad_id = int(hf.pad_token_id if hf.pad_token_id is not None else 0)
    tok = _standalone(hf, clean, context_length, pad_id)
    tok.save(str(folder / HF_FILE))
    section = {
        "kind": "hf",
        "file": HF_FILE,
        "context_length": context_length,
        "pad": "max",
        "pad_id": pad_id,
        "clean": clean,
    }
    return section, HfClipTokenizer(folder / HF_FILE, context_length, pad_id, clean), reference


def _standalone(hf: Any, clean: str, context_length: int, pad_id: int) -> Any:
    """A copy of the backend tokenizer that pads, truncates and (mostly) cleans by itself.

    open_clip cleans text in Python before tokenising; the parts a ``tokenizers`` normaliser
    can express (punctuation, case, whitespace) are prepended so that a runtime reading only
    ``tokenizer.json`` is still right for everything but mojibake and HTML entities.
    """
    from tokenizers import Regex, Tokenizer, normalizers

    tok = Tokenizer.from_str(hf.backend_tokenizer.to_str())
    steps: list[Any] = []
    if clean == "canonicalize":
        steps += [
            normalizers.Replace("_", " "),
            normalizers.Replace(Regex(f"[{_escape(string.punctuation)}]"), ""),
        ]
    if clean in ("canonicalize", "lower"):
        steps.append(normalizers.Lowercase())
    steps += [normalizers.Replace(Regex(r"\s+"), " "), normalizers.Strip()]
    if tok.normalizer is not None:
        steps.append(tok.normalizer)
    tok.normalizer = normalizers.Sequence(steps)
    tok.enable_truncation(max_length=context_length)
    tok.enable_padding(
        length=context_length,
        pad_id=pad_id,
        pad_token=str(hf.pad_token or "<pad>"),
        direction=getattr(hf, "padding_side", "right"),
    )
    return tok


def _escape(chars: str) -> str:
    return "".join("\\" + c if c in "\\[]^-" else c for c in chars)


def check_tokenizer(arch: str, written: Written, texts: list[str]) -> int:
    """Compare the plugin's tokenizer with open_clip's on ``texts``; raise on any difference.

    Returns:
        The number of texts compared.
    """
    _, runtime, reference = written
    expected = reference(texts).numpy()
    got = runtime(texts)
    if got.shape != expected.shape or not (got == expected).all():
        bad = [t for t, a, b in zip(texts, got, expected, strict=False) if not (a == b).all()]
        raise ExportError(
            f"{arch}: the exported tokenizer differs from open_clip's on "
            f"{len(bad)} text(s), e.g. {bad[:1]!r}"
        )
    return len(texts)
