"""Check that an exported model gives the vectors its source gives, and what it costs.

The probes are deliberately varied (photos, gradients, shapes, noise; empty, overlong, unicode
and emoji texts) because export bugs hide in edge cases: a traced shape, a clipped token, a
mis-ordered channel. Cosine similarity is the right measure because the runtime L2-normalises
every vector; the ranking check exists because a lossy model can keep cosines high and still
reorder search results.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

FP32_MIN_COSINE = 0.9999
LOSSY_MIN_COSINE = 0.99
LOSSY_MIN_SPEARMAN = 0.95
LOSSY_MIN_TOP1 = 0.8

PROBE_TEXTS = [
    "",
    "a photo of a dog",
    "A Cat sitting on a RED sofa",
    "two people walking on the beach at sunset, " * 12,
    "schÃ¶n Ünïcödé façade naïve 日本語のテキスト",
    "birthday party 🎉🐶😀",
    "fish &amp; chips &lt;3",
    "   lots   of\twhitespace \n here   ",
    "a snowy mountain",
    "a bowl of soup",
    "a city street at night",
    "a rocket launch",
]
_SKIMAGE_PHOTOS = ["astronaut", "coffee", "chelsea", "rocket"]


def _synthetic_images(side: int = 320) -> list[np.ndarray]:
    """Gradients, shapes and noise as HxWx3 uint8 arrays, made without any data file."""
    rng = np.random.default_rng(0)
    ramp = np.linspace(0, 255, side, dtype=np.float32)
    yy, xx = np.mgrid[:side, :side]
    disc = ((yy - side / 2) ** 2 + (xx - side / 3) ** 2 < (side / 4) ** 2)[..., None]
    images = [
        np.stack(
            [
                np.tile(ramp, (side, 1)),
                np.tile(ramp[:, None], (1, side)),
                np.full((side, side), 128.0),
            ],
            axis=-1,
        ),
        np.where(disc, [230, 40, 40], [20, 90, 200]),
        np.where(((yy // 40 + xx // 40) % 2 == 0)[..., None], 255, 0).repeat(3, -1),
        rng.integers(0, 256, (side, side * 3 // 2, 3)),
        np.full((side // 2, side, 3), [250, 250, 245]),
    ]
    return [np.clip(i, 0, 255).astype(np.uint8) for i in images]


def probe_images() -> list[np.ndarray]:
    """Synthetic images plus a few scikit-image sample photos when that package is present."""
    images = _synthetic_images()
    try:
        import skimage.data
    except ImportError:
        return images
    for name in _SKIMAGE_PHOTOS:
        try:
            images.append(np.asarray(getattr(skimage.data, name)())[..., :3])
        except Exception:  # noqa: BLE001 - a missing sample photo only shrinks the probe set
            continue
    return images


def preprocess(images: list[np.ndarray], cfg: dict[str, Any]) -> np.ndarray:
    """Float32 NCHW batch made by the runtime's own preprocessing, so parity covers it too."""
    from PIL import Image

    from mmdesk.plugins.preprocess import preprocess_image

    return np.stack([preprocess_image(Image.fromarray(a), cfg) for a in images])


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine similarity of two (N, D) arrays."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1) + 1e-12)


def _normalise(x: np.ndarray) -> np.ndarray:
    x = x.astype(np.float64)
    return x / (np.linalg.norm(x, axis=1, keepdims=True) + 1e-12)


def _ranks(x: np.ndarray) -> np.ndarray:
    return x.argsort(axis=1).argsort(axis=1).astype(np.float64)


def ranking_agreement(
    ref: tuple[np.ndarray, np.ndarray], new: tuple[np.ndarray, np.ndarray], k: int = 3
) -> dict[str, float]:
    """How far ``new`` reorders text->image search results compared with ``ref``.

    Args:
        ref: (image, text) embeddings of the reference model.
        new: (image, text) embeddings of the model under test, same probes.
        k: Size of the top-k sets compared.

    Returns:
        Mean Spearman correlation of each text's image ranking, the share of texts whose best
        image is unchanged, and the mean overlap of the top-k image sets.
    """
    sim_ref = _normalise(ref[1]) @ _normalise(ref[0]).T
    sim_new = _normalise(new[1]) @ _normalise(new[0]).T
    ra, rb = _ranks(sim_ref), _ranks(sim_new)
    ra, rb = ra - ra.mean(1, keepdims=True), rb - rb.mean(1, keepdims=True)
    spearman = (ra * rb).sum(1) / (np.sqrt((ra**2).sum(1) * (rb**2).sum(1)) + 1e-12)
    top_ref, top_new = np.argsort(-sim_ref, 1)[:, :k], np.argsort(-sim_new, 1)[:, :k]
    overlap = [len(set(a) & set(b)) / k for a, b in zip(top_ref, top_new, strict=True)]
    return {
        "spearman_mean": float(spearman.mean()),
        "top1_agreement": float((top_ref[:, 0] == top_new[:, 0]).mean()),
        f"top{k}_overlap": float(np.mean(overlap)),
    }


def onnx_session(path: Path) -> Any:
    """A CPU session with default optimisations, as the runtime would open the file."""
    import onnxruntime as ort

    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def run_onnx(session: Any, batch: np.ndarray) -> np.ndarray:
    """Run a one-input encoder session."""
    return session.run(None, {session.get_inputs()[0].name: batch})[0]


def timed(fn: Callable[[np.ndarray], np.ndarray], batch: np.ndarray) -> tuple[np.ndarray, float]:
    """``fn(batch)`` and its items per second, after a one-item warm-up call.

    The reference runs double as the speed measurement, so parity costs one pass per model.
    """
    fn(batch[:1])
    start = time.perf_counter()
    out = fn(batch)
    return out, len(batch) / (time.perf_counter() - start)


def summarise(cos: np.ndarray) -> dict[str, float]:
    """Min and mean of a cosine array, rounded for reports."""
    return {"min": round(float(cos.min()), 6), "mean": round(float(cos.mean()), 6)}


def size_mb(paths: list[Path]) -> float:
    """Total size of files in MB (10^6 bytes)."""
    return round(sum(p.stat().st_size for p in paths) / 1e6, 1)


def _torch_embed(model: Any, modality: str, batch: np.ndarray, device: str) -> np.ndarray:
    import torch

    with torch.no_grad():
        x = torch.from_numpy(batch).to(device)
        out = model.encode_image(x) if modality == "image" else model.encode_text(x)
    return out.float().cpu().numpy()


def _verdict(report: dict[str, Any], precision: str) -> list[str]:
    """Human-readable reasons why the export should not be used as it is."""
    problems = []
    for modality in ("image", "text"):
        got = report["fp32_vs_torch"][modality]["min"]
        if got < FP32_MIN_COSINE:
            problems.append(f"fp32 {modality} cosine vs torch {got:.6f} < {FP32_MIN_COSINE}")
        lossy = report.get(f"{precision}_vs_fp32", {}).get(modality)
        if lossy and lossy["min"] < LOSSY_MIN_COSINE:
            problems.append(
                f"{precision} {modality} cosine vs fp32 {lossy['min']:.4f} < {LOSSY_MIN_COSINE}"
            )
    ranking = report.get(f"{precision}_ranking_vs_fp32")
    if ranking and (
        ranking["spearman_mean"] < LOSSY_MIN_SPEARMAN or ranking["top1_agreement"] < LOSSY_MIN_TOP1
    ):
        problems.append(
            f"{precision} reorders search results: Spearman {ranking['spearman_mean']:.3f} "
            f"(min {LOSSY_MIN_SPEARMAN}), top-1 agreement {ranking['top1_agreement']:.2f} "
            f"(min {LOSSY_MIN_TOP1})"
        )
    return problems


def measure(
    model: Any,
    tokenize: Callable[[list[str]], np.ndarray],
    pre_cfg: dict[str, Any],
    fp32: dict[str, Path],
    final: dict[str, Path],
    precision: str,
    device: str = "cpu",
) -> dict[str, Any]:
    """Compare torch, the fp32 ONNX files and (for fp16/int8) the final files on the probes.

    Args:
        model: The open_clip model the files were exported from, in eval mode.
        tokenize: The plugin's own (torch-free) tokenizer, so the text probes also exercise it.
        pre_cfg: The manifest's preprocess table.
        fp32: ``{"image": path, "text": path}`` of the fp32 export.
        final: The same for the files that go into the plugin (equal to ``fp32`` for fp32).
        precision: ``fp32``, ``fp16`` or ``int8``.
        device: Torch device for the reference run.

    Returns:
        A JSON-ready report; ``problems`` lists every threshold that was missed.
    """
    probes = {"image": preprocess(probe_images(), pre_cfg), "text": tokenize(PROBE_TEXTS)}
    image, rate = timed(lambda b: _torch_embed(model, "image", b, device), probes["image"])
    ref = {"image": image, "text": _torch_embed(model, "text", probes["text"], device)}
    speed = {"torch": rate}
    report: dict[str, Any] = {
        "precision": precision,
        "n_images": len(probes["image"]),
        "n_texts": len(PROBE_TEXTS),
        "thresholds": _thresholds(),
    }
    base, speed["onnx_fp32"] = _run_files(fp32, probes)
    report["fp32_vs_torch"] = {m: summarise(cosines(ref[m], base[m])) for m in probes}
    report["fp32_ranking_vs_torch"] = ranking_agreement(
        (ref["image"], ref["text"]), (base["image"], base["text"])
    )
    if precision != "fp32":
        out, speed[f"onnx_{precision}"] = _run_files(final, probes)
        report[f"{precision}_vs_fp32"] = {m: summarise(cosines(base[m], out[m])) for m in probes}
        report[f"{precision}_ranking_vs_fp32"] = ranking_agreement(
            (base["image"], base["text"]), (out["image"], out["text"])
        )
    report["image_throughput_per_s"] = {k: round(v, 2) for k, v in speed.items()}
    report["size_mb"] = {
        "fp32": size_mb(list(fp32.values())),
        precision: size_mb(list(final.values())),
    }
    report["problems"] = _verdict(report, precision)
    return report


def _run_files(
    paths: dict[str, Path], probes: dict[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], float]:
    """Embeddings of the probes by the ONNX files, and the image encoder's speed."""
    text = run_onnx(onnx_session(paths["text"]), probes["text"])
    session = onnx_session(paths["image"])
    image, rate = timed(lambda b: run_onnx(session, b), probes["image"])
    return {"image": image, "text": text}, rate


def _thresholds() -> dict[str, float]:
    return {
        "fp32_min_cosine": FP32_MIN_COSINE,
        "lossy_min_cosine": LOSSY_MIN_COSINE,
        "lossy_min_spearman": LOSSY_MIN_SPEARMAN,
        "lossy_min_top1": LOSSY_MIN_TOP1,
    }
