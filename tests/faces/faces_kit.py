"""Helpers of the faces tests (a module name of its own: every tests folder's conftest is
called ``conftest``, so importing from one is ambiguous in a full run)."""

from __future__ import annotations

from pathlib import Path


def item_of(library, path: Path) -> int:
    item = library.item_for_path(path)
    assert item is not None, path
    return int(item)
