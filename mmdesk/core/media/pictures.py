"""The picture that stands for an item, whatever its kind: a photo, a video's frame at its
moment, or a drawing of a sound. Thumbnails, result grids and previews ask here, so they need
not know how each kind of file is decoded."""

from __future__ import annotations

from PIL import Image

from mmdesk.core.media.audio import open_container, waveform_image
from mmdesk.core.media.image import read_image_file
from mmdesk.core.media.video import frame_at, main_video_stream
from mmdesk.errors import MediaError


def item_picture(path: str, kind: str, start: float | None, max_side: int = 512) -> Image.Image:
    """An upright RGB picture of the item, its longer side at most ``max_side``.

    ``image``: the photo; ``video_frame``: the frame shown at ``start``; ``audio_segment``:
    the video's frame at ``start`` (or its first) when the file has pictures, else the
    sound's waveform. Raises MediaError when the file cannot be read.
    """
    if kind == "image":
        picture = read_image_file(path).image
    elif kind == "video_frame":
        picture = frame_at(path, start or 0.0, max_side)
    elif kind == "audio_segment":
        picture = _sound_picture(path, start, max_side)
    else:
        raise MediaError(f"{path}: no picture for items of kind {kind!r}")
    return _fit(picture, max_side)


def _sound_picture(path: str, start: float | None, max_side: int) -> Image.Image:
    if _has_pictures(path):
        return frame_at(path, start or 0.0, max_side)
    width = max(16, max_side)
    return waveform_image(path, (width, max(9, width * 9 // 16)))


def _has_pictures(path: str) -> bool:
    with open_container(path) as container:
        return main_video_stream(container) is not None


def _fit(picture: Image.Image, max_side: int) -> Image.Image:
    picture = picture.convert("RGB") if picture.mode != "RGB" else picture
    if max(picture.size) > max_side:
        picture = picture.copy()
        picture.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return picture
