"""One canonical form for library paths.

Folders and files are stored by their canonical path: absolute, ``~`` expanded, ``..`` and
symlinks resolved (``os.path.realpath``), so ``/link/photos``, ``/data/x/../photos`` and
``/data/photos`` are one folder and never index the same photo twice. Files found by walking a
canonical folder keep the names met on the way (a symlinked sub-folder stays under its link's
name), so lookups try the resolved form and the plain absolute form.

Paths are ``str`` as the OS gives them: a name that is not valid UTF-8 carries lone surrogates
(``os.fsdecode``); the store keeps those losslessly and :func:`display` makes them printable.
"""

from __future__ import annotations

import os
from pathlib import Path


def canonical(path: str | Path) -> str:
    """The canonical form of a path a person typed or the OS gave."""
    text = os.fspath(path)
    if not text.strip():
        raise ValueError("an empty path")
    return os.path.realpath(os.path.expanduser(text))


def absolute(path: str | Path) -> str:
    """Absolute and normalised (``..`` removed lexically), symlinks kept."""
    return os.path.normpath(os.path.abspath(os.path.expanduser(os.fspath(path))))


def lookup_forms(path: str | Path) -> list[str]:
    """The forms under which a library file may be stored, most likely first."""
    forms = [canonical(path), absolute(path)]
    return list(dict.fromkeys(forms))


def display(path: str | Path) -> str:
    """A printable form: undecodable bytes become U+FFFD, a newline becomes a visible ␤."""
    text = os.fspath(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = os.fsencode(text).decode("utf-8", errors="replace")
    return text.replace("\n", "\u2424").replace("\r", "\u240d")


def is_under(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or inside it (both canonical)."""
    folder = folder.rstrip("/") or "/"
    if folder == "/":
        return path.startswith("/")
    return path == folder or path.startswith(folder + "/")
