"""The built-in text reader: PP-OCR detection, angle and recognition ONNX models as the pinned
``rapidocr-onnxruntime`` (1.4.4) ships and runs them.

Detection runs first and a picture where it finds no text ends there, so photos without text
cost one small detection pass. The models live in the package, not in the plugin folder; their
sha256s are in the plugin's ``options`` and are checked once, before the first read.

RapidOCR holds Python's GIL through much of its work: importing OpenCV (~55 ms of C
initialisation, ~0.25 s from a cold disk), and the detector's post-processing in OpenCV, shapely
and pyclipper. In the desktop app's process that freezes the window, so by default
(``isolated``) the reader runs in a helper process (:mod:`mmdesk.plugins.runtimes.helper_process`,
running :func:`helper_load` and :func:`helper_answer`) at a lower priority, started on the
first read; pictures go to it as raw pixels, lines come back. Where it cannot start, the reader
runs in this process.
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from mmdesk.errors import PluginError
from mmdesk.plugins.protocols import TextLine
from mmdesk.plugins.runtimes.helper_process import HelperProcess
from mmdesk.plugins.specs import TextReaderSpec

if TYPE_CHECKING:
    from mmdesk.plugins.session import SessionOptions

PACKAGE, PINNED = "rapidocr-onnxruntime", "1.4.4"
# Options a manifest may pass through to RapidOCR (its names, as 1.4.4 spells them).
PASSED = (
    "text_score",
    "use_cls",
    "det_box_thresh",
    "det_unclip_ratio",
    "max_side_len",
    "det_limit_side_len",
    "det_limit_type",
)


class RapidOcrReader:
    """Pictures -> lines of text with their boxes (pixels of the picture given) and confidence.

    Args:
        spec: the manifest's text reader (``options``: ``sha256`` per model file name, and any
            of :data:`PASSED`).
        options: device and thread counts, as for every ONNX session.
    """

    def __init__(self, spec: TextReaderSpec, options: SessionOptions) -> None:
        self.spec = spec
        self.options = options
        self.isolated = bool(spec.options.get("isolated", True))
        self._engine: Any = None
        self._worker: HelperProcess | None = None
        self._lock = threading.Lock()

    @property
    def provider(self) -> str | None:
        """Where the models run (None until loaded); RapidOCR takes CUDA only when asked."""
        if self._engine is None and self._worker is None:
            return None
        where = "CUDAExecutionProvider" if self.options.device == "cuda" else "CPUExecutionProvider"
        return f"{where} (helper process)" if self._worker is not None else where

    def read_text(self, images: list[Image.Image]) -> list[str]:
        """The text of each picture, its lines joined by newlines ('' when there is none)."""
        return ["\n".join(line.text for line in lines) for lines in self.read_lines(images)]

    def read_lines(self, images: list[Image.Image]) -> list[list[TextLine]]:
        """The lines of each picture, top to bottom; [] for a picture without text."""
        with self._lock:
            if self.isolated and self._worker is None and self._engine is None:
                self._worker = HelperProcess.start(__name__, self._settings(), "reading text")
            if self._worker is not None:
                try:
                    lines: list[list[TextLine]] = self._worker.ask(
                        [np.asarray(image.convert("RGB")) for image in images]
                    )
                    return lines
                except PluginError:
                    self._worker = None  # it stopped: the next call starts a new one
                    raise
        engine = self._load()
        return [read(engine, image) for image in images]

    def _load(self) -> Any:
        """The RapidOCR engine in this process (built on first use)."""
        with self._lock:
            if self._engine is None:
                self._engine = build_engine(self._settings())
            return self._engine

    def _settings(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {k: self.spec.options[k] for k in PASSED if k in self.spec.options}
        if self.options.intra_threads > 0:
            kwargs["intra_op_num_threads"] = self.options.intra_threads
        return {
            "kwargs": kwargs,
            "cuda": self.options.device == "cuda",
            "sha256": self.spec.options.get("sha256", {}),
        }


def build_engine(settings: dict[str, Any]) -> Any:
    """A RapidOCR engine from :meth:`RapidOcrReader._settings` (version and models checked)."""
    _check_version()
    _check_models(settings["sha256"])
    from rapidocr_onnxruntime import RapidOCR  # imports cv2 and onnxruntime: only now

    cuda = bool(settings["cuda"])
    return RapidOCR(det_use_cuda=cuda, cls_use_cuda=cuda, rec_use_cuda=cuda, **settings["kwargs"])


def read(engine: Any, image: Image.Image) -> list[TextLine]:
    """One picture's lines, read by ``engine``."""
    return _lines(engine(image.convert("RGB"))[0])


def helper_load(init: dict[str, Any]) -> Any:
    """In the helper process: the engine, from :meth:`RapidOcrReader._settings`."""
    return build_engine(init)


def helper_answer(engine: Any, picture: np.ndarray) -> list[TextLine]:
    """In the helper process: one RGB picture's lines (as a picture: RapidOCR reads an array
    as BGR)."""
    return read(engine, Image.fromarray(picture))


def _lines(raw: list[list[Any]] | None) -> list[TextLine]:
    """RapidOCR's ``[[box, text, score], ...]`` as TextLines, empty texts dropped."""
    lines = []
    for box, text, score in raw or []:
        if str(text).strip():
            points = tuple((round(float(x), 1), round(float(y), 1)) for x, y in box)
            lines.append(TextLine(str(text).strip(), points, round(float(score), 4)))
    return lines


def _check_version() -> None:
    """RapidOCR's API moves between releases: refuse any but the pinned one, saying so."""
    try:
        found = metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        raise PluginError(f"reading text needs {PACKAGE}=={PINNED}: pip install it") from None
    if found != PINNED:
        raise PluginError(f"reading text needs {PACKAGE}=={PINNED}, but {found} is installed")


def _check_models(expected: dict[str, str]) -> None:
    """Compare the package's model files with the manifest's sha256s."""
    spec = importlib.util.find_spec("rapidocr_onnxruntime")  # found, not imported (cv2)
    if spec is None or spec.origin is None:
        raise PluginError(f"reading text needs {PACKAGE}=={PINNED}: pip install it")
    models = Path(spec.origin).parent / "models"
    for name, sha in expected.items():
        path = models / name
        if not path.is_file():
            raise PluginError(f"{PACKAGE}: model file {name} is missing")
        if hashlib.sha256(path.read_bytes()).hexdigest() != sha:
            raise PluginError(f"{PACKAGE}: model file {name} does not match its sha256")
