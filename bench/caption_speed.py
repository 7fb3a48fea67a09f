"""Captioning speed on CPU: captions/s for the default label captioner and for a tiny random
Hugging Face captioner exported to ONNX, greedy and beam search (3 beams).

The label captioner is the default plugin's ImageNet classifier with its wording; its cost is
one image-model run per picture. The tiny ViT-GPT2 (32-wide layers, random weights, built as the
tests build it) measures the generation loop itself: random weights never say end-of-sentence,
so every caption runs to ``--max-length`` tokens, the worst case for the loop's per-token cost
(past key/values reused, no quadratic re-run). OCR images/s is in bench/hybrid_search.py.

    python bench/caption_speed.py [--images 32] [--batch 8] [--max-length 20] [--threads 0]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from mmdesk.config import REPO_ROOT
from mmdesk.plugins.manifest import load_manifest
from mmdesk.plugins.session import SessionOptions

Captioner = Callable[[list[Image.Image]], list[str]]


def pictures(n: int, seed: int = 0) -> list[Image.Image]:
    """``n`` photo-sized pictures: smooth colour fields with noise (decoding is not timed)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        base = rng.integers(0, 255, (6, 8, 3)).astype(np.uint8)
        image = Image.fromarray(base).resize((640, 480), Image.Resampling.BICUBIC)
        noise = rng.normal(0, 8, (480, 640, 3))
        out.append(Image.fromarray(np.clip(np.asarray(image) + noise, 0, 255).astype(np.uint8)))
    return out


def rate(caption: Captioner, images: list[Image.Image], batch: int) -> float:
    """Captions per second over ``images`` in batches, after one warm-up batch."""
    caption(images[:batch])
    start = time.perf_counter()
    for at in range(0, len(images), batch):
        captions = caption(images[at : at + batch])
        assert len(captions) == len(images[at : at + batch])
    return len(images) / (time.perf_counter() - start)


def label_captioner(options: SessionOptions) -> Captioner:
    """The default plugin's label captioner (``plugins/default``, built by setup)."""
    from mmdesk.plugins.runtimes.label_captioner import LabelCaptioner

    folder = REPO_ROOT / "plugins" / "default"
    spec = load_manifest(folder).captioners[0]
    runtime = LabelCaptioner(spec, options)
    return lambda images: runtime.caption(images)


def tiny_captioners(out: Path, options: SessionOptions, max_length: int) -> dict[str, Captioner]:
    """A tiny random ViT-GPT2 exported as a plugin; greedy and 3-beam runtimes of it."""
    sys.path.insert(0, str(REPO_ROOT / "tests" / "captions"))
    import transformers
    from tiny_models import save_tiny_vit_gpt2

    from mmdesk.export.hf_captioner import export_captioner
    from mmdesk.plugins.runtimes.onnx_captioner import OnnxCaptioner

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    warnings.filterwarnings("ignore", category=FutureWarning)
    plugin = export_captioner(str(save_tiny_vit_gpt2(out / "hf")), out / "plugin")
    spec = load_manifest(plugin).captioners[0]
    made = {}
    for name, beams in (("greedy", 1), ("beam 3", 3)):
        runtime = OnnxCaptioner(spec, options)
        runtime.config = dataclasses.replace(runtime.config, num_beams=beams, max_length=max_length)
        made[name] = runtime.caption
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=32)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--max-length", type=int, default=20)
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: automatic)")
    args = parser.parse_args()
    options = SessionOptions(device="cpu", intra_threads=args.threads)
    images = pictures(args.images)
    print(
        f"{args.images} pictures 640x480, batch {args.batch}, CPU threads {args.threads or 'auto'}"
    )
    speed = rate(label_captioner(options), images, args.batch)
    print(f"  default/labels (label-based)          {speed:8.1f} captions/s")
    with tempfile.TemporaryDirectory() as tmp:
        for name, caption in tiny_captioners(Path(tmp), options, args.max_length).items():
            speed = rate(caption, images, args.batch)
            label = f"tiny ViT-GPT2 {name}, {args.max_length} tokens"
            print(f"  {label:<38}{speed:8.1f} captions/s")


if __name__ == "__main__":
    main()
