"""The helper process that runs RapidOCR for the built-in text reader (:mod:`.rapid_ocr`).

Started as ``python -m mmdesk.plugins.runtimes.ocr_worker``; the protocol is
:mod:`mmdesk.plugins.runtimes.helper_process`'s: the init message is the reader's settings
(RapidOCR's keyword arguments, CUDA or not, the models' sha256s), each picture (RGB) is
answered with its list of ``TextLine``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mmdesk.plugins.protocols import TextLine


def load(init: dict[str, Any]) -> Any:
    from mmdesk.plugins.runtimes.rapid_ocr import build_engine

    return build_engine(init)


def answer(engine: Any, picture: np.ndarray) -> list[TextLine]:
    from PIL import Image

    from mmdesk.plugins.runtimes.rapid_ocr import read

    return read(engine, Image.fromarray(picture))  # as a picture: RapidOCR reads it as RGB


def main() -> None:
    from mmdesk.plugins.runtimes.helper_process import run

    run(load, answer)


if __name__ == "__main__":
    main()
