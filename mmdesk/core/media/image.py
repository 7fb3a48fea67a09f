"""Reading media files: kinds by extension, image decoding with EXIF, bomb guards."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from mmdesk.errors import MediaError

IMAGE_EXTS = {
    ".jpg",
    ".jpeg",
    ".jpe",
    ".png",
    ".webp",
    ".gif",
    ".bmp",
    ".tif",
    ".tiff",
    ".heic",
    ".heif",
    ".avif",
}
VIDEO_EXTS = {".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".3gp"}
AUDIO_EXTS = {".mp3", ".m4a", ".aac", ".wav", ".flac", ".ogg", ".oga", ".opus", ".wma"}
MAX_PIXELS = 180_000_000  # about 2x Pillow's warning threshold; bigger is refused
_EXIF_IFD = 0x8769

try:  # optional HEIC/AVIF support, when the Pillow plugins are installed
    import pillow_heif  # type: ignore[import-not-found]

    pillow_heif.register_heif_opener()
except ImportError:
    pass


def kind_of(path: Path | str) -> str | None:
    """'image', 'video', 'audio' or None, from the file name."""
    ext = Path(path).suffix.lower()
    if ext in IMAGE_EXTS:
        return "image"
    if ext in VIDEO_EXTS:
        return "video"
    if ext in AUDIO_EXTS:
        return "audio"
    return None


def content_hash(data: bytes) -> str:
    """A 128-bit blake2b digest: recognises a moved file by its content."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass
class DecodedImage:
    """An image ready for encoders, and the facts about it the library shows."""

    image: Image.Image
    meta: dict[str, Any] = field(default_factory=dict)


def decode_image(
    data: bytes, *, min_side: int = 512, max_pixels: int = MAX_PIXELS, name: str = "image"
) -> DecodedImage:
    """Decode bytes into an upright RGB image at least ``min_side`` on its shorter side.

    Large JPEGs are decoded at a reduced scale (much faster); transparent areas become white.
    """
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
        if image.format == "JPEG" and min(width, height) > 2 * min_side:
            scale = min_side / min(width, height)
            image.draft("RGB", (int(width * scale) + 1, int(height * scale) + 1))
        image.load()
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


def to_rgb(image: Image.Image) -> Image.Image:
    """RGB on white: transparent areas of cut-outs and PNGs must not turn black."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
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


def read_image_file(path: Path, **kwargs: Any) -> DecodedImage:
    """Decode an image file from disk (used for 'more like this' on files outside the library)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MediaError(f"{path}: cannot read ({exc.strerror})") from exc
    return decode_image(data, name=str(path), **kwargs)
