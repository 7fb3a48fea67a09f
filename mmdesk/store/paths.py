"""Paths at the SQL boundary: a lossless codec for names that are not valid UTF-8.

On POSIX a file name is bytes. Python decodes it with ``surrogateescape``, so a Latin-1
``caf\\xe9.jpg`` becomes ``'caf\\udce9.jpg'``, a str SQLite refuses ("surrogates not allowed").
The codec maps each lone surrogate U+D800+n to the plane-16 private-use code point U+10F800+n
and escapes a genuine occurrence of that range (and of the escape itself) with U+10F7FF.
It works character by character, so ``encode(a + b) == encode(a) + encode(b)``: prefix and
"under a folder" queries on encoded paths keep working, and valid UTF-8 names are unchanged.

"Under a folder" has one definition here, used by SQL and Python alike.
"""

from __future__ import annotations

import re

_SURROGATE_LO, _SURROGATE_HI = 0xD800, 0xDFFF
_MAPPED_LO = 0x10F800  # U+D800 + n  <->  U+10F800 + n
_ESCAPE = "\U0010f7ff"
_ENCODE_SPECIAL = re.compile("[\ud800-\udfff\U0010f7ff-\U0010ffff]")
_DECODE_SPECIAL = re.compile("[\U0010f7ff-\U0010ffff]")
_SHIFT = _MAPPED_LO - _SURROGATE_LO


def encode(path: str) -> str:
    """The form a path is stored in: valid UTF-8 text, the same as ``path`` when it was."""
    if _ENCODE_SPECIAL.search(path) is None:
        return path
    return _ENCODE_SPECIAL.sub(_encode_char, path)


def _encode_char(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if _SURROGATE_LO <= code <= _SURROGATE_HI:
        return chr(code + _SHIFT)
    return _ESCAPE + char


def decode(stored: str) -> str:
    """The exact str that was encoded."""
    if _DECODE_SPECIAL.search(stored) is None:
        return stored
    out: list[str] = []
    chars = iter(stored)
    for char in chars:
        if char == _ESCAPE:
            out.append(next(chars, ""))
        elif ord(char) >= _MAPPED_LO:
            out.append(chr(ord(char) - _SHIFT))
        else:
            out.append(char)
    return "".join(out)


def display_path(path: str) -> str:
    """A path fit to print or show: each undecodable byte becomes U+FFFD."""
    if _ENCODE_SPECIAL.search(path) is None:
        return path
    raw = path.encode("utf-8", "surrogateescape") if _only_escapes(path) else None
    if raw is not None:
        return raw.decode("utf-8", "replace")
    return "".join("\ufffd" if _SURROGATE_LO <= ord(c) <= _SURROGATE_HI else c for c in path)


def _only_escapes(path: str) -> bool:
    return all(not (_SURROGATE_LO <= ord(c) < 0xDC80) for c in path)


def folder_key(folder: str) -> str:
    """A folder without its trailing slashes; the root folder ``/`` becomes ``""``."""
    return folder.rstrip("/")


def is_under(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` itself or lies anywhere inside it."""
    key = folder_key(folder)
    return path == key or path.startswith(key + "/")


def under_sql(column: str, folder: str) -> tuple[str, list[str]]:
    """SQL true when ``column`` (an encoded path) is under ``folder``: uses the path index.

    A range on the binary collation instead of LIKE, so ``%`` and ``_`` in names need no
    escaping: everything that starts with ``folder/`` sorts in ``[folder/, folder0)``.
    """
    key = encode(folder_key(folder))
    return (
        f"({column} = ? OR ({column} >= ? AND {column} < ?))",
        [key, key + "/", key + "0"],
    )
