"""Find, download and build the open_clip model an export starts from.

This is the only place mmdesk reaches for the network, and only for an export a person
started with a real ``--pretrained`` tag: everything else runs offline.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from mmdesk.errors import ExportError

log = logging.getLogger(__name__)
Progress = Callable[[str], None]


def resolve_device(device: str) -> str:
    """``auto``/``cuda`` become ``cuda`` only when torch can use it; otherwise ``cpu``."""
    import torch

    if device not in ("auto", "cpu", "cuda"):
        raise ExportError(f"unknown device {device!r}: use auto, cpu or cuda")
    if device == "cpu":
        return "cpu"
    if torch.cuda.is_available():
        return "cuda"
    if device == "cuda":
        log.warning("CUDA requested but torch cannot use it here; exporting on the CPU")
    return "cpu"


def check_names(arch: str, pretrained: str | None) -> None:
    """Fail early, listing the choices, when the architecture or tag is unknown."""
    import open_clip

    if arch not in open_clip.list_models():
        raise ExportError(f"unknown open_clip architecture {arch!r}; see open_clip.list_models()")
    if pretrained is None or Path(pretrained).is_file():
        return
    tags = open_clip.list_pretrained_tags_by_model(arch)
    if pretrained not in tags:
        raise ExportError(
            f"{arch} has no pretrained weights tagged {pretrained!r}; known tags: "
            f"{', '.join(tags) or 'none'} (or 'none' for random weights, or a checkpoint file)"
        )


def hub_reachable(timeout: float = 5.0) -> bool:
    """Whether the Hugging Face endpoint answers, checked in seconds instead of the minute
    huggingface_hub spends retrying when there is no network."""
    if os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes"):
        return False
    from huggingface_hub import constants

    host = urlparse(constants.ENDPOINT).hostname or "huggingface.co"
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
    except OSError:
        return False
    return True


def _cached(hf_hub: str) -> bool:
    """Whether open_clip's ``org/repo/[filename]`` weights are already in the HF cache."""
    from huggingface_hub import try_to_load_from_cache

    repo, filename = os.path.split(hf_hub)
    names = (
        [filename, str(Path(filename).with_suffix(".safetensors"))]
        if filename
        else ["open_clip_model.safetensors", "open_clip_pytorch_model.bin"]
    )
    return any(isinstance(try_to_load_from_cache(repo, n), str) for n in names)


def fetch_weights(arch: str, pretrained: str, progress: Progress) -> None:
    """Download the weights of a tag into the open_clip/HF cache, or fail readably."""
    import open_clip

    if Path(pretrained).is_file():
        return
    cfg = open_clip.get_pretrained_cfg(arch, pretrained)
    source = cfg.get("hf_hub") or cfg.get("url") or "?"
    if cfg.get("hf_hub") and _cached(cfg["hf_hub"]):
        progress(f"weights for {arch} ({pretrained}) found in the Hugging Face cache")
        return
    if not hub_reachable():
        raise ExportError(
            f"could not download weights for {arch} ({pretrained}) from {source}: "
            "no network? Connect, or copy the Hugging Face cache from a machine "
            "that has downloaded them, and try again."
        )
    progress(f"downloading weights for {arch} ({pretrained}) from {source} ...")
    try:
        open_clip.download_pretrained(cfg)
    except Exception as exc:  # noqa: BLE001 - hub/http errors have many types
        raise ExportError(
            f"could not download weights for {arch} ({pretrained}) from {source}: "
            f"no network? ({type(exc).__name__}: {exc})"
        ) from exc
    progress("weights downloaded")


def load_model(arch: str, pretrained: str | None, device: str) -> Any:
    """Build the model in eval mode, with MobileCLIP-style branches fused for inference.

    Random weights (``pretrained`` None) are drawn from seed 0, so two exports of the same
    architecture give the same files and tests do not depend on luck.
    """
    import open_clip
    import torch

    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)  # random-weight exports are reproducible; caller's RNG kept
            model = open_clip.create_model(arch, pretrained=pretrained, device=device)
    except Exception as exc:  # noqa: BLE001 - open_clip raises RuntimeError/ValueError/OSError
        raise ExportError(
            f"could not build {arch} ({pretrained or 'random weights'}): {exc}"
        ) from exc
    model.eval()
    return _reparameterize(model)


def _reparameterize(model: Any) -> Any:
    """Fuse re-parameterisable blocks (FastViT in MobileCLIP), as open_clip advises for
    inference; a no-op for other models."""
    if not any(hasattr(m, "reparameterize") for m in model.modules()):
        return model
    from timm.utils.model import reparameterize_model

    return reparameterize_model(model)


def tokenizer_source(arch: str) -> dict[str, Any]:
    """The text config bits that decide which tokenizer open_clip uses for ``arch``."""
    import open_clip

    text_cfg = (open_clip.get_model_config(arch) or {}).get("text_cfg", {})
    return {
        "hf_name": text_cfg.get("hf_tokenizer_name", ""),
        "kwargs": dict(text_cfg.get("tokenizer_kwargs", {})),
        "mode": text_cfg.get("tokenizer_mode"),
        "context_length": text_cfg.get("context_length", 77),
    }
