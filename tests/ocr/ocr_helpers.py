"""Rendered text for OCR tests, and word accuracy: case-insensitive, glued words split by
matching the expected ones."""

from __future__ import annotations

import re
import subprocess

from PIL import Image, ImageDraw, ImageFont


def word_accuracy(expected: str, read: str) -> tuple[int, int]:
    """(expected words found, expected words). The read text is lowercased and its spaces
    dropped, so "PARKING2024" still holds "parking" and "2024"; each word found is cut out, so
    a word counts once however often it is expected, and line order does not matter."""
    stream = re.sub(r"\W", "", read.lower())
    found = 0
    for word in sorted((w.lower() for w in re.findall(r"\w+", expected)), key=len, reverse=True):
        if word in stream:
            found += 1
            stream = stream.replace(word, "|", 1)
    return found, len(re.findall(r"\w+", expected))


def fonts() -> list[tuple[str, ImageFont.FreeTypeFont | ImageFont.ImageFont]]:
    """Pillow's default font at three sizes, and DejaVu Sans / Serif when fc-list has them."""
    found = [(f"default-{s}", ImageFont.load_default(size=s)) for s in (22, 32, 48)]
    try:
        listing = subprocess.run(["fc-list"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        listing = ""
    for name in ("DejaVuSans.ttf", "DejaVuSerif.ttf"):
        path = next((ln.split(":")[0] for ln in listing.splitlines() if f"/{name}:" in ln), None)
        if path:
            found.append((name, ImageFont.truetype(path, 30)))
    return found


PAGE = 480  # a page, not a strip: the detector upscales thin strips and gets slow


def render(text: str, font: object, angle: float = 0.0) -> Image.Image:
    """Dark text on a light page, turned by ``angle`` degrees."""
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    left, top, right, bottom = probe.textbbox((0, 0), text, font=font)  # type: ignore[arg-type]
    size = (right - left + 80, max(bottom - top + 80, PAGE))
    image = Image.new("RGB", size, (250, 248, 240))
    at = (40 - left, (size[1] - bottom - top) // 2)
    ImageDraw.Draw(image).text(at, text, fill=(20, 20, 30), font=font)  # type: ignore[arg-type]
    return image.rotate(angle, expand=True, fillcolor=(250, 248, 240), resample=Image.BICUBIC)
