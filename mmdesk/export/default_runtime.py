"""A built default plugin run exactly the way the app runs it (no torch), for its tests and
the quality benchmark: manifest-driven preprocessing and the app's own ONNX encoders."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from mmdesk.core.media import read_image_file
from mmdesk.plugins.manifest import load_manifest
from mmdesk.plugins.runtime import OnnxImageEncoder, OnnxTextEncoder
from mmdesk.plugins.session import SessionOptions


class DefaultPlugin:
    """The two encoders of a plugin folder, configured from its manifest."""

    def __init__(self, folder: Path, threads: int = 2) -> None:
        self.folder = Path(folder)
        specs = {e.modality: e for e in load_manifest(self.folder).encoders}
        options = SessionOptions("cpu", intra_threads=threads)
        self.image = OnnxImageEncoder(specs["image"], options)
        self.text = OnnxTextEncoder(specs["text"], options)

    @property
    def image_spec(self) -> dict[str, Any]:
        return {"preprocess": self.image.spec.preprocess, "io": self.image.spec.io}

    @property
    def image_session(self) -> Any:
        return self.image.session()

    @property
    def text_session(self) -> Any:
        return self.text.session()

    def pixels(self, images: Iterable[Image.Image | Path | str]) -> np.ndarray:
        """(N, 3, S, S) model input for images or image paths."""
        return np.stack(
            [
                self.image.preprocess(
                    item if isinstance(item, Image.Image) else read_image_file(Path(item)).image
                )
                for item in images
            ]
        )

    def encode_pixels(self, pixels: np.ndarray, batch: int = 32) -> np.ndarray:
        """Unit image embeddings of preprocessed pixels."""
        return np.concatenate(
            [self.image.encode(pixels[i : i + batch]) for i in range(0, len(pixels), batch)]
        )

    def encode_images(
        self, images: Sequence[Image.Image | Path | str], batch: int = 32
    ) -> np.ndarray:
        """Unit image embeddings, preprocessing ``batch`` images at a time to bound memory."""
        return np.concatenate(
            [
                self.encode_pixels(self.pixels(images[i : i + batch]), batch)
                for i in range(0, len(images), batch)
            ]
        )

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Unit text embeddings."""
        return self.text.encode_texts(list(texts))
