"""End-to-end indexing rate vs the bare ONNX image encoder on the same real images.

The images are copied from a labelled corpus (default: ../shared/corpora/art4apps) into a temp
folder. "bare" runs the default image encoder on tensors decoded and preprocessed beforehand
(batch 32); "index" is a full `mmdesk index` of the folder into a fresh database (scan, read,
hash, decode, preprocess in threads, encode, write), both in this process and as a subprocess.

    python bench/index_throughput.py [--corpus DIR] [-n 300] [--space conse-minilm-l6]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from mmdesk.config import REPO_ROOT, Settings
from mmdesk.core.library import Library
from mmdesk.core.media import read_image_file
from mmdesk.kinds import EXTENSIONS
from mmdesk.plugins.registry import Registry


def pick_images(corpus: Path, n: int, out: Path) -> list[Path]:
    files = sorted(p for p in corpus.rglob("*") if p.suffix.lower() in EXTENSIONS["image"])[:n]
    if not files:
        raise SystemExit(f"no images in {corpus}")
    copied = []
    for i, path in enumerate(files):
        target = out / f"{i:05}{path.suffix.lower()}"
        shutil.copyfile(path, target)
        copied.append(target)
    return copied


def bare_rate(encoder, images: list[Path], batch: int = 32) -> float:
    tensors = np.stack([encoder.preprocess(read_image_file(p).image) for p in images])
    encoder.encode(tensors[:batch])  # warm up (session creation, first-run allocations)
    start = time.perf_counter()
    for i in range(0, len(tensors), batch):
        encoder.encode(tensors[i : i + batch])
    return len(tensors) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=REPO_ROOT.parent / "shared/corpora/art4apps")
    parser.add_argument("-n", type=int, default=300)
    parser.add_argument("--space")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mmdesk-bench-index-"))
    (work / "photos").mkdir()
    images = pick_images(args.corpus, args.n, work / "photos")
    os.environ["MMDESK_DATA_DIR"] = str(work / "data")
    settings = Settings()
    registry = Registry(settings)
    space = registry.choose_space(args.space)
    encoder = registry.encoder(space.encoders["image"].id)
    bare = bare_rate(encoder, images)
    with Library(settings, registry) as lib:
        report = lib.index([work / "photos"])
    inproc = report.indexed / report.seconds
    shutil.rmtree(work / "data")
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "mmdesk", "index", str(work / "photos"), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - start
    cli = json.loads(out.stdout)
    print(
        f"images: {len(images)} from {args.corpus}  space: {space.id}  "
        f"provider: {encoder.provider}  cores: {os.cpu_count()}"
    )
    print(f"bare encoder (pre-decoded, batch 32): {bare:7.1f} img/s")
    print(f"index, in process:                    {inproc:7.1f} img/s   ratio {inproc / bare:.2f}")
    print(
        f"mmdesk index (subprocess, run only):  {cli['rate']:7.1f} img/s   "
        f"ratio {cli['rate'] / bare:.2f}"
    )
    print(
        f"mmdesk index (subprocess, wall incl. start-up {wall:.1f}s): "
        f"{len(images) / wall:7.1f} img/s   ratio {len(images) / wall / bare:.2f}"
    )
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
