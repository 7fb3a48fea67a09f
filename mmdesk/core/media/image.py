"""Image decoding: upright RGB with EXIF facts, under bounds on pixels and memory.

A small file can hold a huge picture (a 164 KB palette PNG of 13000x13000 with transparency
took 2.9 GB to convert). So the pixel count is checked before decoding, big pictures are
shrunk in their own compact mode before any conversion, and at most one huge decode runs at a
time whatever the number of decode threads.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from mmdesk.core.media.hashing import read_regular
from mmdesk.errors import MediaError

MAX_PIXELS = 180_000_000  # about 2x Pillow's warning threshold; bigger is refused
WORKING_PIXELS = 16_000_000  # pictures are shrunk to at most this before conversion
HUGE_PIXELS = 40_000_000  # decodes above this run one at a time
_EXIF_IFD = 0x8769
_HUGE = threading.BoundedSemaphore(1)

# mmdesk applies its own limit (MAX_PIXELS) right after reading the header and before
# decoding; Pillow's own check would only print a raw DecompressionBombWarning first.
Image.MAX_IMAGE_PIXELS = None

try:  # optional HEIC/AVIF support, when the Pillow plugins are installed
    import pillow_heif

    pillow_heif.register_heif_opener()
except ImportError:
    pass


@dataclass
class DecodedImage:
    """An image ready for encoders, and the facts about it the library shows."""

    image: Image.Image
    meta: dict[str, Any] = field(default_factory=dict)


def decode_image(
    data: bytes, *, min_side: int = 512, max_pixels: int = MAX_PIXELS, name: str = "image"
) -> DecodedImage:
    """Decode bytes into an upright RGB image at least ``min_side`` on its shorter side
    (when the original is that big). Transparent areas become white."""
    try:
        image: Image.Image = Image.open(io.BytesIO(data))
        width, height = image.size
        if width * height > max_pixels:
            raise MediaError(
                f"{name}: {width}x{height} pixels is over the limit of {max_pixels}"
                " (decompression bomb guard)"
            )
        meta = _exif_meta(image)
        meta.update(width=width, height=height, format=image.format)
        if width * height > HUGE_PIXELS:
            with _HUGE:
                image = _load_small(image, min_side)
        else:
            image = _load_small(image, min_side)
        image = ImageOps.exif_transpose(image) or image
        meta["width"], meta["height"] = _upright_size(width, height, meta.get("orientation"))
        return DecodedImage(to_rgb(image), meta)
    except MediaError:
        raise
    except Image.DecompressionBombError as exc:
        raise MediaError(f"{name}: refused as a decompression bomb ({exc})") from exc
    except UnidentifiedImageError as exc:
        raise MediaError(f"{name}: not an image Pillow can read") from exc
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
        raise MediaError(f"{name}: corrupt or truncated image ({exc})") from exc


def _load_small(image: Image.Image, min_side: int) -> Image.Image:
    """Decode, shrinking as early and as cheaply as the format allows."""
    width, height = image.size
    if image.format == "JPEG" and min(width, height) > 2 * min_side:
        scale = min_side / min(width, height)
        image.draft("RGB", (int(width * scale) + 1, int(height * scale) + 1))
    image.load()
    if image.width * image.height <= WORKING_PIXELS:
        return image
    factor = (image.width * image.height / WORKING_PIXELS) ** 0.5
    size = (max(1, int(image.width / factor)), max(1, int(image.height / factor)))
    if image.mode in ("P", "1", "I;16", "I;16B"):
        # palette/bit images cannot be filtered; nearest keeps them 1 byte a pixel
        return image.resize(size, Image.Resampling.NEAREST)
    return image.reduce(max(1, int(factor))) if factor >= 2 else image.resize(size)


def to_rgb(image: Image.Image) -> Image.Image:
    """RGB on white: transparent areas of cut-outs and PNGs must not turn black."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB") if image.mode != "RGB" else image


def _upright_size(width: int, height: int, orientation: Any) -> tuple[int, int]:
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def _exif_meta(image: Image.Image) -> dict[str, Any]:
    """Camera, capture date and orientation from EXIF, when present and readable."""
    meta: dict[str, Any] = {}
    try:
        exif = image.getexif()
    except Exception:  # broken EXIF must not lose the picture
        return meta
    if not exif:
        return meta
    make, model = str(exif.get(0x010F, "")).strip(), str(exif.get(0x0110, "")).strip()
    camera = model if make and model.startswith(make) else f"{make} {model}".strip()
    if camera:
        meta["camera"] = camera.replace("\x00", "")
    try:
        taken = exif.get_ifd(_EXIF_IFD).get(0x9003) or exif.get(0x0132)
    except Exception:
        taken = exif.get(0x0132)
    if isinstance(taken, str) and len(taken) >= 19:
        meta["taken_at"] = taken[:10].replace(":", "-") + "T" + taken[11:19]
    orientation = exif.get(0x0112)
    if isinstance(orientation, int) and orientation:
        meta["orientation"] = orientation
    return meta


def read_image_file(path: Path | str, **kwargs: Any) -> DecodedImage:
    """Decode an image file from disk ("more like this" on files outside the library).

    Only regular files are opened (a FIFO or /dev/zero named .jpg would hang or fill memory).
    """
    try:
        data = read_regular(Path(path))
    except OSError as exc:
        raise MediaError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    return decode_image(data, name=str(path), **kwargs)
