"""The built-in text reader: PP-OCR detection, angle and recognition ONNX models as the pinned
``rapidocr-onnxruntime`` (1.4.4) ships and runs them.

Detection runs first and a picture where it finds no text ends there, so photos without text
cost one small detection pass. The models live in the package, not in the plugin folder; their
sha256s are in the plugin's ``options`` and are checked once, before the first read.
"""

from __future__ import annotations

import hashlib
import threading
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mmdesk.errors import PluginError
from mmdesk.plugins.protocols import TextLine
from mmdesk.plugins.specs import TextReaderSpec

if TYPE_CHECKING:
    from PIL import Image

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
        self._engine: Any = None
        self._lock = threading.Lock()

    @property
    def provider(self) -> str | None:
        """Where the models run (None until loaded); RapidOCR takes CUDA only when asked."""
        if self._engine is None:
            return None
        return "CUDAExecutionProvider" if self.options.device == "cuda" else "CPUExecutionProvider"

    def read_text(self, images: list[Image.Image]) -> list[str]:
        """The text of each picture, its lines joined by newlines ('' when there is none)."""
        return ["\n".join(line.text for line in lines) for lines in self.read_lines(images)]

    def read_lines(self, images: list[Image.Image]) -> list[list[TextLine]]:
        """The lines of each picture, top to bottom; [] for a picture without text."""
        engine = self._load()
        return [_lines(engine(image.convert("RGB"))[0]) for image in images]

    def _load(self) -> Any:
        with self._lock:
            if self._engine is None:
                self._engine = self._build()
            return self._engine

    def _build(self) -> Any:
        _check_version()
        from rapidocr_onnxruntime import RapidOCR  # imports cv2 and onnxruntime: only now

        _check_models(self.spec.options.get("sha256", {}))
        cuda = self.options.device == "cuda"
        kwargs: dict[str, Any] = {k: self.spec.options[k] for k in PASSED if k in self.spec.options}
        if self.options.intra_threads > 0:
            kwargs["intra_op_num_threads"] = self.options.intra_threads
        return RapidOCR(det_use_cuda=cuda, cls_use_cuda=cuda, rec_use_cuda=cuda, **kwargs)


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
    import rapidocr_onnxruntime

    models = Path(rapidocr_onnxruntime.__file__).parent / "models"
    for name, sha in expected.items():
        path = models / name
        if not path.is_file():
            raise PluginError(f"{PACKAGE}: model file {name} is missing")
        if hashlib.sha256(path.read_bytes()).hexdigest() != sha:
            raise PluginError(f"{PACKAGE}: model file {name} does not match its sha256")
