"""Fixtures for the sidecar tests: an indexed library and an independent XMP reader.

The reader is Exempi (Adobe's XMP Toolkit, through python-xmp-toolkit), not mmdesk's own
parser, so a sidecar that passes here is one Adobe-based tools (Lightroom, Bridge) read too.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mmdesk.config import Settings
from mmdesk.core.library import Library

DC = "http://purl.org/dc/elements/1.1/"
LR = "http://ns.adobe.com/lightroom/1.0/"
XMP = "http://ns.adobe.com/xap/1.0/"
MMDESK = "http://ns.mmdesk.local/xmp/1.0/"


@dataclass
class Seen:
    """What Exempi reads in a packet."""

    meta: Any

    def array(self, ns: str, name: str) -> list[str]:
        count = self.meta.count_array_items(ns, name)
        return [self.meta.get_array_item(ns, name, i) for i in range(1, count + 1)]

    def description(self) -> str | None:
        if not self.meta.does_property_exist(DC, "description"):
            return None
        return self.meta.get_localized_text(DC, "description", None, "x-default")

    def prop(self, ns: str, path: str) -> str | None:
        return self.meta.get_property(ns, path) if self.meta.does_property_exist(ns, path) else None


def _libxmp() -> Any:
    """python-xmp-toolkit; in CI its absence (or libexempi's) is a failure, elsewhere a skip."""
    try:
        import libxmp
    except Exception as exc:  # ExempiLoadError when libexempi8 is missing
        if os.environ.get("CI"):
            raise
        pytest.skip(f"python-xmp-toolkit with libexempi8 is needed ({exc})")
    return libxmp


@pytest.fixture()
def exempi() -> Callable[[str | bytes], Seen]:
    """Read a sidecar (by path) or a packet (bytes) with Exempi."""
    libxmp = _libxmp()

    def read(source: str | bytes) -> Seen:
        if isinstance(source, str):
            with open(source, "rb") as f:
                source = f.read()
        meta = libxmp.XMPMeta()
        meta.register_namespace(MMDESK, "mmdesk")
        meta.register_namespace("http://darktable.sf.net/", "darktable")
        meta.parse_from_str(source.decode("utf-8"))
        return Seen(meta)

    return read


@pytest.fixture()
def libxmp() -> Any:
    """The python-xmp-toolkit module (for XMPFiles, Exempi's readers of image files)."""
    return _libxmp()


@pytest.fixture()
def exempi_writer() -> Callable[[], Any]:
    """A fresh Exempi document, to build sidecars as another tool would."""
    libxmp = _libxmp()
    return libxmp.XMPMeta


@pytest.fixture()
def lib(settings: Settings, photos: Path) -> Iterator[Library]:
    """A library with the nine generated photos indexed."""
    with Library(settings) as library:
        library.index([photos])
        yield library


@pytest.fixture()
def item_of(lib: Library) -> Callable[[str | Path], int]:
    """The item id of a library file."""

    def find(path: str | Path) -> int:
        found = lib.item_for_path(path)
        assert found is not None, path
        return found

    return find
