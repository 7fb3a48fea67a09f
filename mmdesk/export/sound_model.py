"""Build the bundled ``sounds`` plugin: "more like this sound" with no download at run time.

The weights are those the PyPI package ``aisfx`` carries (Ma & Lerch, "Representation Learning
for the Automatic Indexing of Sound Effects Libraries", ISMIR 2022: a 9-layer CNN trained across
nine sound-effect libraries). Only its embedding network is exported, to ONNX, so indexing and
searching need onnxruntime and numpy only; the spectrogram front end is the numpy port in
:mod:`mmdesk.plugins.runtimes.aisfx_audio`, and every constant of it is written into the
manifest. The build is byte-deterministic (no dates, fixed probes) and refuses to write a plugin
whose ONNX file disagrees with torch. torch is imported inside functions only.
"""

from __future__ import annotations

import importlib.metadata as _md
import importlib.util
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from mmdesk.errors import ExportError
from mmdesk.plugins.checksums import sha256_file
from mmdesk.plugins.manifest import API_VERSION
from mmdesk.plugins.manifest_toml import dumps

PLUGIN_ID = "sounds"
ENCODER_ID = "sounds/aisfx"
SPACE = "aisfx-sound"
DIM = 512
MODEL_FILE = "sound.onnx"
LICENCE_FILE = "LICENSE-aisfx.txt"
INPUT, OUTPUT = "spectrogram", "embedding"
OPSET = 17
AISFX_VERSION = "0.1.2"
PARITY_TOLERANCE = 1e-4
# The package's constants (aisfx/inference.py, preprocessing.py, spectrogram_librosa.py).
PREPROCESS: dict[str, Any] = {
    "kind": "aisfx-mel",
    "sample_rate": 44100,
    "n_fft": 2048,
    "hop": 1024,
    "n_mels": 96,
    "fmin": 0.0,
    "fmax": 22050.0,
    "log_scale": 10000.0,  # log10(log_scale * power + log_offset)
    "log_offset": 1.0,
    "norm_min": 0.0,  # spec_norm="original": the min/max over the paper's training spectrograms
    "norm_max": 9.457798957824707,
    "block": 100,
    "block_hop": 50,
    "peak_normalise": True,
    # The package drops an incomplete last block; an index keeps it (zero-padded), or the last
    # second of a 3-s effect, often its point, would never be heard (see docs/plugin-format.md).
    "drop_partial_block": False,
}
BUILD_MODULES = ("torch", "onnx", "onnxruntime", "aisfx")
_PIP_HINT = f"pip install torch onnx onnxruntime && pip install --no-deps aisfx=={AISFX_VERSION}"

Progress = Callable[[str], None]


def _require_packages() -> None:
    """Fail early, with the pip command that fixes it, if a build dependency is missing."""
    missing = [m for m in BUILD_MODULES if importlib.util.find_spec(m) is None]
    if missing:
        raise ExportError(f"Building the sound model needs {', '.join(missing)}: {_PIP_HINT}")


def _package_dir() -> Path:
    spec = importlib.util.find_spec("aisfx")
    if spec is None or not spec.submodule_search_locations:
        raise ExportError(f"aisfx is not installed: {_PIP_HINT}")
    return Path(list(spec.submodule_search_locations)[0])


def load_embedding_net() -> Any:
    """aiSFX's embedding network (``EmbeddingNet('max', 3, 1, 64)``) with the shipped weights,
    in eval mode. The per-library classifier heads of the checkpoint are left out."""
    import torch
    from aisfx.models.cnn2d import EmbeddingNet

    checkpoint = _package_dir() / "models" / "checkpoint.pth"
    try:
        # The pickle holds numpy scalars besides tensors, so weights_only cannot read it; it is
        # the installed package's own file, loaded as the package loads it.
        weights, _datasets = torch.load(checkpoint, map_location="cpu", weights_only=False)
    except Exception as exc:  # noqa: BLE001 - any unreadable checkpoint is one export error
        raise ExportError(
            f"cannot read {checkpoint} ({exc}): pip install --force-reinstall --no-deps "
            f"aisfx=={AISFX_VERSION}"
        ) from exc
    prefix = "embedding_net."
    state = {k[len(prefix) :]: v for k, v in weights.items() if k.startswith(prefix)}
    net = EmbeddingNet("max", 3, 1, 64)
    net.load_state_dict(state, strict=True)
    return net.eval()


def export_onnx(net: Any, path: Path, opset: int = OPSET) -> None:
    """Write ``spectrogram`` (N, block, n_mels) float32 -> ``embedding`` (N, 512), batch dynamic.

    The TorchScript exporter is used (``dynamo=False``) as for the default model.
    """
    import torch

    dummy = torch.zeros(2, PREPROCESS["block"], PREPROCESS["n_mels"])
    with warnings.catch_warnings():  # the TorchScript exporter's notes are not actionable
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            net,
            (dummy,),
            str(path),
            dynamo=False,
            opset_version=opset,
            input_names=[INPUT],
            output_names=[OUTPUT],
            dynamic_axes={INPUT: {0: "batch"}, OUTPUT: {0: "batch"}},
            do_constant_folding=True,
        )
    from mmdesk.export.default_model import pin_output_dim

    pin_output_dim(path, DIM)


def probe_sounds(rate: int = PREPROCESS["sample_rate"]) -> list[np.ndarray]:
    """Fixed synthetic sounds (tone, chord, chirp, noise, clicks, silence) for parity checks."""
    rng = np.random.default_rng(0)
    t = np.arange(int(rate * 3.5)) / rate
    clicks = np.zeros_like(t)
    clicks[rng.integers(0, len(t), 40)] = 1.0
    return [
        0.5 * np.sin(2 * np.pi * 440 * t),
        np.sin(2 * np.pi * np.outer(t, [262.0, 330.0, 392.0])).mean(axis=1),
        np.sin(2 * np.pi * (200 + 2000 * t) * t),
        0.2 * rng.standard_normal(len(t)),
        clicks,
        np.zeros(rate // 2),
    ]


def probe_blocks() -> np.ndarray:
    """Spectrogram blocks of :func:`probe_sounds` made by the runtime's own front end."""
    from mmdesk.plugins.runtimes.aisfx_audio import FrontEnd, blocks, log_mel, mel_filters

    front = FrontEnd.from_preprocess(PREPROCESS)
    filters = mel_filters(front)
    return np.concatenate([blocks(log_mel(s, front, filters), front) for s in probe_sounds()])


def check_parity(net: Any, model: Path) -> float:
    """Max abs difference of ONNX Runtime and torch on :func:`probe_blocks`; ExportError if
    it is not below :data:`PARITY_TOLERANCE`."""
    import onnxruntime as ort
    import torch

    batch = probe_blocks()
    with torch.no_grad():
        want = net(torch.from_numpy(batch)).numpy()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    session = ort.InferenceSession(str(model), opts, providers=["CPUExecutionProvider"])
    got = session.run([OUTPUT], {INPUT: batch})[0]
    diff = float(np.abs(got - want).max())
    if got.shape != (len(batch), DIM) or not diff < PARITY_TOLERANCE:
        raise ExportError(f"{model.name} differs from torch by {diff:.2e} (max abs), {got.shape}")
    return diff


def render_manifest(folder: Path) -> str:
    """The ``plugin.toml`` text; the files it lists must already be in ``folder``."""
    import torch

    return dumps(
        {
            "id": PLUGIN_ID,
            "name": "mmdesk sounds (aiSFX sound-effect embeddings)",
            "version": "1.0.0",
            "api": API_VERSION,
            "licence": "CC-BY-4.0",
            "description": "Offline 'more like this sound': a CNN trained on sound-effect "
            "libraries.",
            "files": {n: sha256_file(folder / n) for n in (MODEL_FILE, LICENCE_FILE)},
            "encoders": [
                {
                    "id": ENCODER_ID,
                    "space": SPACE,
                    "modality": "audio",
                    "dim": DIM,
                    "model": MODEL_FILE,
                    "preprocess": dict(PREPROCESS),
                    "io": {"inputs": [INPUT], "output": OUTPUT},
                }
            ],
            "extra": {
                "source": f"aisfx=={_md.version('aisfx')} (PyPI), models/checkpoint.pth",
                "model": "X-Sequential-CE embedding network (EmbeddingNet('max', 3, 1, 64))",
                "paper": "Ma & Lerch, Representation Learning for the Automatic Indexing of "
                "Sound Effects Libraries, ISMIR 2022",
                "licence_note": "The package's LICENSE file is CC BY 4.0 (its PyPI classifier "
                "says MIT); attribution: A.B. Ma and A. Lerch, 2022.",
                "front_end": "aisfx's librosa path (the paper used essentia's)",
                "torch": torch.__version__,
                "opset": OPSET,
            },
        }
    )


def build_sound(out_dir: Path, *, progress: Progress | None = None) -> Path:
    """Build the ``sounds`` plugin folder and return it (``out_dir``).

    Files are built in a temporary folder beside ``out_dir`` and moved in at the end,
    ``plugin.toml`` last, so an interrupted build never leaves a folder that looks complete.

    Raises:
        ExportError: torch/onnx/aisfx are missing, the checkpoint is unreadable, or the ONNX file
            does not reproduce the torch outputs.
    """
    report = progress or (lambda _msg: None)
    _require_packages()
    import torch

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".build-", dir=out_dir.parent) as tmp:
        work = Path(tmp)
        report("Loading the aiSFX embedding network")
        torch.manual_seed(0)
        net = load_embedding_net()
        report(f"Exporting {MODEL_FILE}")
        export_onnx(net, work / MODEL_FILE)
        report("Checking ONNX Runtime against torch")
        check_parity(net, work / MODEL_FILE)
        shutil.copyfile(_licence_path(), work / LICENCE_FILE)
        report("Writing plugin.toml")
        (work / "plugin.toml").write_text(render_manifest(work), encoding="utf-8")
        (out_dir / "plugin.toml").unlink(missing_ok=True)
        for name in (MODEL_FILE, LICENCE_FILE, "plugin.toml"):
            os.replace(work / name, out_dir / name)
    report(f"Sound plugin written to {out_dir}")
    return out_dir


def _licence_path() -> Path:
    """The LICENSE file the aisfx distribution ships (CC BY 4.0 text)."""
    dist = _md.distribution("aisfx")
    for file in dist.files or ():
        if Path(str(file)).name.upper().startswith("LICENSE"):
            return Path(str(dist.locate_file(file)))
    raise ExportError(f"the aisfx distribution has no LICENSE file: {_PIP_HINT}")


__all__ = ["build_sound", "load_embedding_net", "PREPROCESS", "SPACE", "ENCODER_ID"]
