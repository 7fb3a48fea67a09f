"""Image-encoder speed and size of an open_clip export at fp32, fp16 and int8 on the CPU.

Exports the model once at fp32 with mmdesk's exporter (parity-checked), derives the fp16 and
int8 files from it the way the exporter does, then times each ``image.onnx`` with onnxruntime
(CPU, default session options, as the runtime opens it) and PyTorch eager on the same batch of
preprocessed probe images, and prints them side by side with sizes and cosines vs fp32.

Usage::

    python bench/export_precision.py [--arch ViT-B-32] [--pretrained none] [--batch 32]
        [--repeats 3] [--threads 0]

With random weights (``--pretrained none``, the only choice offline) the cosines say little
about int8's real quality; speed and size do not depend on the weights.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mmdesk.export import openclip_model, openclip_onnx, parity  # noqa: E402
from mmdesk.export.openclip import export_openclip  # noqa: E402


def _rate(fn: Callable[[np.ndarray], object], batch: np.ndarray, repeats: int) -> float:
    """Median images per second over ``repeats`` runs, after one warm-up run."""
    fn(batch)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(batch)
        times.append(time.perf_counter() - start)
    return len(batch) / statistics.median(times)


def _batch(pre: dict, n: int) -> np.ndarray:
    """``n`` preprocessed probe images (repeated as needed)."""
    images = parity.preprocess(parity.probe_images(), pre)
    return np.resize(images, (n, *images.shape[1:])).astype(np.float32)


def _session(path: Path, threads: int) -> object:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arch", default="ViT-B-32")
    ap.add_argument("--pretrained", default="none")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="0: onnxruntime/torch default")
    args = ap.parse_args()

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        report = export_openclip(args.arch, args.pretrained, Path(tmp) / "fp32", progress=print)
        folder = report.out_dir
        pre = _image_preprocess(folder)
        files = {"fp32": folder / "image.onnx"}
        for precision, convert in (
            ("fp16", openclip_onnx.to_fp16_weights),
            ("int8", openclip_onnx.to_int8),
        ):
            files[precision] = Path(tmp) / f"image-{precision}.onnx"
            convert(folder / "image.onnx", files[precision])
        batch = _batch(pre, args.batch)
        # a second build: with random weights it differs from the exported one, which only
        # matters for outputs, not for speed (torch outputs are not compared here)
        model = openclip_model.load_model(args.arch, report.pretrained, "cpu")
        _print_table(model, files, batch, args)


def _image_preprocess(folder: Path) -> dict:
    import tomllib

    doc = tomllib.loads((folder / "plugin.toml").read_text(encoding="utf-8"))
    return next(e["preprocess"] for e in doc["encoders"] if e["modality"] == "image")


def _print_table(
    model: object, files: dict[str, Path], batch: np.ndarray, args: argparse.Namespace
) -> None:
    import torch

    with torch.no_grad():

        def eager(b: np.ndarray) -> object:
            return model.encode_image(torch.from_numpy(b))  # type: ignore[attr-defined]

        rates = {"torch eager fp32": _rate(eager, batch, args.repeats)}
    outputs = {}
    for precision, path in files.items():
        session = _session(path, args.threads)
        run = lambda b, s=session: parity.run_onnx(s, b)  # noqa: E731
        rates[f"onnx {precision}"] = _rate(run, batch, args.repeats)
        outputs[precision] = run(batch)
    base = rates["onnx fp32"]
    print(
        f"\n{args.arch} ({args.pretrained}) image encoder, batch {args.batch}, "
        f"threads {args.threads or 'default'}, median of {args.repeats}"
    )
    print(f"{'':18} {'img/s':>8} {'vs onnx fp32':>13} {'size MB':>9} {'min cos vs fp32':>16}")
    for name, rate in rates.items():
        precision = name.split()[-1] if name.startswith("onnx") else None
        size = f"{files[precision].stat().st_size / 1e6:9.1f}" if precision else f"{'':9}"
        cos = (
            f"{parity.cosines(outputs['fp32'], outputs[precision]).min():16.5f}"
            if precision
            else f"{'':16}"
        )
        print(f"{name:18} {rate:8.2f} {rate / base:12.2f}x {size} {cos}")


if __name__ == "__main__":
    main()
