"""Where sidecars live, reading them and the XMP inside image files, and writing atomically.

mmdesk writes ``photo.jpg.xmp`` next to ``photo.jpg``, as digiKam and darktable do by default,
and reads that and Lightroom's ``photo.xmp``. A sidecar is replaced through a temporary file
and a rename, so a crash leaves the old one or the new one, never half of one; the photo itself
is only ever opened for reading. Paths are ``str`` as the OS gives them (lone surrogates for
bytes that are not UTF-8); every call here takes them as they are.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import warnings

from PIL import Image, UnidentifiedImageError

from mmdesk.core.sidecars.xmp import XmpDoc, XmpError


def sidecar_for(photo: str) -> str:
    """The sidecar mmdesk writes for ``photo``: its full name plus ``.xmp``."""
    return photo + ".xmp"


def sidecars_of(photo: str) -> list[str]:
    """The sidecars of ``photo`` that exist: ``photo.jpg.xmp``, then ``photo.xmp``/``.XMP``."""
    stem = os.path.splitext(photo)[0]
    names = [sidecar_for(photo), photo + ".XMP", stem + ".xmp", stem + ".XMP"]
    found, seen = [], set()
    for name in names:
        if os.path.isfile(name) and os.path.realpath(name) not in seen:
            seen.add(os.path.realpath(name))
            found.append(name)
    return found


def read_doc(sidecar: str) -> XmpDoc | None:
    """The packet of a sidecar; None when there is no such file."""
    try:
        with open(sidecar, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return None
    return XmpDoc.parse(data)


def embedded_doc(photo: str) -> XmpDoc | None:
    """The XMP packet inside an image file (JPEG APP1, PNG iTXt, TIFF tag 700, WebP), read by
    Pillow without decoding a pixel; None when the file has none or is no image."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(photo) as image:
                packet = image.info.get("xmp")
    except (UnidentifiedImageError, Image.DecompressionBombError):
        return None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise XmpError(f"cannot read the file's metadata ({exc})") from exc
    if isinstance(packet, str):
        packet = packet.encode("utf-8", "surrogateescape")
    return XmpDoc.parse(packet) if packet else None


def write_atomic(target: str, data: bytes, new_mode: int = 0o644) -> bool:
    """Make ``target`` hold ``data``; returns False when it already did (nothing written).

    The new content goes to a temporary file in the same folder, is flushed to disk and then
    renamed over the old one, which keeps its permissions (a new file gets ``new_mode``); a
    symlinked sidecar is written where it points.
    """
    target = os.path.realpath(target)
    try:
        with open(target, "rb") as f:
            if f.read() == data:
                return False
        mode = os.stat(target).st_mode & 0o7777
    except FileNotFoundError:
        mode = new_mode
    fd, tmp = tempfile.mkstemp(prefix=".mmdesk-", suffix=".xmp.tmp", dir=os.path.dirname(target))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return True
