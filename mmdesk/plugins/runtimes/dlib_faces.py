"""The built-in face analyser: dlib's detector, 5-point alignment and 128-d ResNet embeddings,
with the weights the ``face-recognition-models`` wheel carries (nothing is ever downloaded).

Detection is dlib's HOG detector by default. On this project's laptops-class CPUs it takes
0.12 s per 512x512 photo (0.44 s upsampled once), while the CNN (MMOD) detector takes ~26 s
for the same photo: the CNN finds more (a three-quarter face the HOG misses) but is a hundred
times too slow to run over a library, so it is an option (``detector = "cnn"``). HOG finds
faces from about 80 px; photos whose longer side is under ``upsample_below`` are upsampled
once (a 40 px face in a small photo), large ones are scaled down to ``max_side`` first. Boxes
are always in pixels of the picture given. Each face is aligned on its five landmarks and
embedded (0.35 s a face); faces of one person lie within 0.6 (euclidean) of each other.

The package's ``__init__`` imports ``pkg_resources``, which may be missing: the model folder is
found from the package's spec without importing it. The sha256 of each model file is in the
manifest's ``options.sha256`` and is checked once, before the first use.

dlib holds Python's GIL in much of its work (building the HOG detector ~0.3-0.5 s, loading
each model file ~80 ms, embedding a face ~0.1 s), which would freeze every other thread of the
process, the desktop app's window among them. So by default (``isolated``) dlib runs in a
helper process (:mod:`mmdesk.plugins.runtimes.helper_process`, running :func:`helper_load`
and :func:`helper_answer`) that lives as long as the analyser; pictures go
to it as raw pixels, faces come back. Where that process cannot start, dlib runs in this one.
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mmdesk.errors import PluginError
from mmdesk.plugins.protocols import Face
from mmdesk.plugins.runtimes.helper_process import HelperProcess
from mmdesk.plugins.specs import FaceAnalyserSpec

if TYPE_CHECKING:
    from PIL import Image

    from mmdesk.plugins.session import SessionOptions

PACKAGE = "face_recognition_models"
DETECTOR, LANDMARKS = "mmod_human_face_detector.dat", "shape_predictor_5_face_landmarks.dat"
EMBEDDER = "dlib_face_recognition_resnet_model_v1.dat"
DEFAULTS: dict[str, Any] = {
    "detector": "hog",  # or "cnn": ~200x slower on a CPU, finds turned faces HOG misses
    "min_score": 0.25,  # HOG: lower scores were patches of clothing on our test photos
    "max_side": 1280,  # larger photos are scaled down to this before detection
    "upsample_below": 800,  # smaller photos are upsampled once (faces from ~40 px)
    "chip_padding": 0.25,  # dlib's own default for the aligned face chip
    "isolated": True,  # run dlib in a helper process: it holds the GIL (see the docstring)
}


@dataclass
class _Models:
    detect: Any
    cnn: bool
    landmarks: Any
    embed: Any


def models_folder() -> Path:
    """The ``models`` folder of the installed ``face_recognition_models`` (not imported)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        raise PluginError("face detection needs face-recognition-models: pip install it")
    return Path(spec.origin).parent / "models"


class DlibFaceAnalyser:
    """Pictures -> faces with boxes, landmarks and 128-d embeddings, on the CPU.

    Args:
        spec: the manifest's face analyser (``options``: ``sha256`` per model file name, and
            any of :data:`DEFAULTS`).
        options: device and threads, as for every runtime (dlib here runs on the CPU only).
    """

    def __init__(self, spec: FaceAnalyserSpec, options: SessionOptions) -> None:
        self.spec = spec
        self.options = options
        self.settings = {**DEFAULTS, **{k: v for k, v in spec.options.items() if k in DEFAULTS}}
        self._models: _Models | None = None
        self._worker: HelperProcess | None = None
        self._checked = False
        self._lock = threading.Lock()

    @property
    def provider(self) -> str | None:
        """Where the models run (None until loaded)."""
        if self._worker is not None:
            return "CPU (dlib, helper process)"
        return None if self._models is None else "CPU (dlib)"

    def analyse(self, images: list[Image.Image]) -> list[list[Face]]:
        """The faces of each picture, surest first; [] for a picture without any."""
        with self._lock:
            pictures = [np.asarray(image.convert("RGB")) for image in images]
            if not self._checked:
                _require_dlib()
                check_models(models_folder(), self.spec.options.get("sha256", {}))
                self._checked = True
            if self.settings["isolated"] and self._worker is None and self._models is None:
                init = {"settings": self.settings, "threads": self.options.intra_threads}
                self._worker = HelperProcess.start(__name__, init, "face analysis")
            if self._worker is not None:
                try:
                    faces: list[list[Face]] = self._worker.ask(pictures)
                    return faces
                except PluginError:
                    self._worker = None  # it stopped: the next call starts a new one
                    raise
            if self._models is None:
                self._models = build_models(self.settings, self.options.intra_threads)
            return [find_faces(self._models, self.settings, rgb) for rgb in pictures]


def find_faces(models: _Models, settings: dict[str, Any], rgb: np.ndarray) -> list[Face]:
    """The faces in one RGB picture (``height x width x 3`` uint8), surest first."""
    scale = min(1.0, float(settings["max_side"]) / max(rgb.shape[:2]))
    small = rgb if scale == 1.0 else _resized(rgb, scale)
    upsample = 1 if max(rgb.shape[:2]) < int(settings["upsample_below"]) else 0
    faces = []
    for rect, score in _detect(models, small, upsample, float(settings["min_score"])):
        shape = models.landmarks(small, rect)
        chip = _chip(small, shape, float(settings["chip_padding"]))
        vector = np.asarray(models.embed.compute_face_descriptor(chip), np.float32)
        box = (rect.left(), rect.top(), rect.width(), rect.height())
        points = tuple((p.x / scale, p.y / scale) for p in shape.parts())
        faces.append(Face(_clipped(box, scale, rgb.shape), score, points, vector))
    return sorted(faces, key=lambda f: -f.score)


def _detect(
    models: _Models, rgb: np.ndarray, upsample: int, floor: float
) -> list[tuple[Any, float]]:
    """(dlib rectangle, score) of each face above ``floor``."""
    if models.cnn:
        found = [(d.rect, float(d.confidence)) for d in models.detect(rgb, upsample)]
    else:
        rects, scores, _ = models.detect.run(rgb, upsample, 0.0)
        found = [(r, float(s)) for r, s in zip(rects, scores, strict=True)]
    return [(r, s) for r, s in found if s >= floor]


def _require_dlib() -> None:
    if importlib.util.find_spec("dlib") is None:
        raise PluginError("face detection needs dlib: pip install dlib-bin")


def build_models(settings: dict[str, Any], threads: int) -> _Models:
    """dlib's detector, landmark predictor and embedder (the files' sha256s checked before)."""
    try:
        import dlib
    except ImportError:
        raise PluginError("face detection needs dlib: pip install dlib-bin") from None
    folder = models_folder()
    cnn = settings["detector"] == "cnn"
    if threads > 0 and hasattr(dlib, "set_num_threads"):
        dlib.set_num_threads(threads)
    detect = (
        dlib.cnn_face_detection_model_v1(str(folder / DETECTOR))
        if cnn
        else dlib.get_frontal_face_detector()
    )
    return _Models(
        detect,
        cnn,
        dlib.shape_predictor(str(folder / LANDMARKS)),
        dlib.face_recognition_model_v1(str(folder / EMBEDDER)),
    )


def helper_load(init: dict[str, Any]) -> tuple[_Models, dict[str, Any]]:
    """In the helper process: dlib's models and the analyser's settings."""
    settings: dict[str, Any] = init["settings"]
    return build_models(settings, int(init["threads"])), settings


def helper_answer(loaded: tuple[_Models, dict[str, Any]], picture: np.ndarray) -> list[Face]:
    """In the helper process: the faces in one RGB picture."""
    models, settings = loaded
    return find_faces(models, settings, picture)


def _resized(rgb: np.ndarray, scale: float) -> np.ndarray:
    from PIL import Image as PILImage

    height, width = rgb.shape[:2]
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(PILImage.fromarray(rgb).resize(size, PILImage.Resampling.BILINEAR))


def _chip(rgb: np.ndarray, shape: Any, padding: float) -> np.ndarray:
    """The face aligned on its landmarks, 150x150, as the ResNet was trained on."""
    import dlib

    return np.asarray(dlib.get_face_chip(rgb, shape, 150, padding))


def _clipped(
    box: tuple[int, int, int, int], scale: float, shape: tuple[int, ...]
) -> tuple[float, float, float, float]:
    """A detection box in the original picture's pixels, clipped to the picture."""
    x, y, w, h = (v / scale for v in box)
    x0, y0 = max(0.0, x), max(0.0, y)
    x1, y1 = min(float(shape[1]), x + w), min(float(shape[0]), y + h)
    return (round(x0, 1), round(y0, 1), round(max(0.0, x1 - x0), 1), round(max(0.0, y1 - y0), 1))


def check_models(folder: Path, expected: dict[str, str]) -> None:
    """Compare the package's model files with the manifest's sha256s (every one we load)."""
    for name in (LANDMARKS, EMBEDDER, DETECTOR):
        if name not in expected:
            raise PluginError(f"{PACKAGE}: the manifest gives no sha256 for {name}")
    for name, sha in expected.items():
        path = folder / name
        if not path.is_file():
            raise PluginError(f"{PACKAGE}: model file {name} is missing")
        if _sha256(path) != sha:
            raise PluginError(f"{PACKAGE}: model file {name} does not match its sha256")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
