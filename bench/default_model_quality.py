"""Search quality and speed of the default (ConSE) plugin on the labelled sample corpora.

Builds the default plugin once per (k, renormalise) setting, encodes each corpus with the built
ONNX files exactly as the manifest says, and prints:

* ``P@10 cat``: mean over categories of precision@10 for the query "a photo of a <category>";
* ``hit@10 cap``: share of distinct captions for which an image with that caption is in the
  top 10 (captions repeat in tuxpaint_stamps, e.g. six "A flower.");
* throughput of ``image.onnx`` (batch 32, onnxruntime CPU) for the first setting.

Usage::

    python bench/default_model_quality.py [--corpus ../shared/corpora] [--k 3 5 10]
        [--renormalise both|yes|no] [--imagenet-norm]

Needs the build dependencies (torch ...) and the corpora folder, which user clones lack.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mmdesk.export.default_model import build_default  # noqa: E402
from mmdesk.export.default_runtime import DefaultPlugin  # noqa: E402

IMAGENET_NORM = {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}


@dataclass
class Corpus:
    """Image paths with one category and one caption each."""

    name: str
    paths: list[Path]
    categories: list[str]
    captions: list[str]


def _readable(category: str) -> str:
    """``"clothes_n_accessories"`` -> ``"clothes and accessories"``; keeps the last path part."""
    return category.rsplit("/", 1)[-1].replace("_n_", " and ").replace("_", " ")


def load_corpora(root: Path) -> list[Corpus]:
    """art4apps (12 categories) and tuxpaint_stamps (16 top categories), whichever exist."""
    specs = [("art4apps", "category"), ("tuxpaint_stamps", "top_category")]
    out = []
    for name, column in specs:
        labels = root / name / "labels.csv"
        if not labels.is_file():
            continue
        with labels.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        out.append(
            Corpus(
                name,
                [root / name / r["path"] for r in rows],
                [_readable(r[column]) for r in rows],
                [r["caption"] for r in rows],
            )
        )
    if not out:
        raise SystemExit(f"no corpus found under {root}")
    return out


def _rank(queries: np.ndarray, images: np.ndarray, n: int = 10) -> np.ndarray:
    return np.argsort(-(queries @ images.T), axis=1, kind="stable")[:, :n]


def precision_by_category(plugin: DefaultPlugin, emb: np.ndarray, corpus: Corpus) -> float:
    """Mean precision@10 of "a photo of a <category>" over the corpus's categories."""
    cats = sorted(set(corpus.categories))
    top = _rank(plugin.encode_texts([f"a photo of a {c}" for c in cats]), emb)
    truth = np.array(corpus.categories)
    return float(np.mean([(truth[row] == cat).mean() for cat, row in zip(cats, top)]))


def caption_hit_rate(plugin: DefaultPlugin, emb: np.ndarray, corpus: Corpus) -> float:
    """Share of distinct captions with an image of that caption among the top 10."""
    caps = sorted(set(corpus.captions))
    truth = np.array(corpus.captions)
    hits = []
    for start in range(0, len(caps), 256):
        chunk = caps[start : start + 256]
        top = _rank(plugin.encode_texts(chunk), emb)
        hits += [(truth[row] == cap).any() for cap, row in zip(chunk, top)]
    return float(np.mean(hits))


def throughput(plugin: DefaultPlugin, pixels: np.ndarray, batch: int = 32) -> float:
    """Images per second of image.onnx alone (preprocessed input, after one warm-up batch)."""
    sample = pixels[: batch * 4]
    plugin.encode_pixels(sample[:batch], batch)
    start = time.perf_counter()
    plugin.encode_pixels(sample, batch)
    return len(sample) / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, build each setting, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpora")
    parser.add_argument("--k", type=int, nargs="+", default=[3, 5, 10])
    parser.add_argument("--renormalise", choices=["both", "yes", "no"], default="both")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--imagenet-norm",
        action="store_true",
        help="feed pixels normalised with ImageNet mean/std instead of the "
        "manifest's (to compare the two)",
    )
    args = parser.parse_args(argv)
    corpora = load_corpora(args.corpus)
    renorms = {"both": [True, False], "yes": [True], "no": [False]}[args.renormalise]
    pixels: dict[str, np.ndarray] = {}
    print(
        f"{'k':>3} {'renorm':>6} "
        + " ".join(f"{c.name + ' P@10 cat':>26} {c.name + ' hit@10 cap':>28}" for c in corpora)
    )
    speed = None
    with tempfile.TemporaryDirectory() as tmp:
        for k in args.k:
            for renorm in renorms:
                folder = Path(tmp) / f"k{k}-{int(renorm)}"
                build_default(folder, k=k, renormalise=renorm)
                plugin = DefaultPlugin(folder, threads=args.threads)
                if args.imagenet_norm:
                    plugin.image_spec["preprocess"].update(IMAGENET_NORM)
                cells = []
                for corpus in corpora:
                    if corpus.name not in pixels:
                        pixels[corpus.name] = plugin.pixels(corpus.paths)
                    emb = plugin.encode_pixels(pixels[corpus.name])
                    cells += [
                        precision_by_category(plugin, emb, corpus),
                        caption_hit_rate(plugin, emb, corpus),
                    ]
                    if speed is None:
                        speed = throughput(plugin, pixels[corpus.name])
                print(
                    f"{k:>3} {'yes' if renorm else 'no':>6} "
                    + " ".join(
                        f"{v:>26.3f}" if i % 2 == 0 else f"{v:>28.3f}" for i, v in enumerate(cells)
                    ),
                    flush=True,
                )
    print(f"image.onnx throughput: {speed:.1f} img/s (batch 32, {args.threads} threads, CPU)")


if __name__ == "__main__":
    main()
