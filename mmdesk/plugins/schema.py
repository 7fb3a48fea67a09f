"""A small validator for manifest tables: known keys, their types, and paths kept in the folder.

Every table is checked against the list of its keys, so a typo (``resize_szie``) is an error
that names the key and the valid ones, instead of a setting silently left at its default.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from mmdesk.errors import PluginError

_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}
_NAMES |= {list: "a list", dict: "a table"}


@dataclass(frozen=True)
class Key:
    """One allowed key: its type(s), whether it must be there, and its allowed values."""

    types: tuple[type, ...]
    required: bool = False
    choices: tuple[Any, ...] = ()
    items: tuple[type, ...] = ()  # element types of a list


def key(*types: type, required: bool = False, choices: tuple[Any, ...] = ()) -> Key:
    """Shorthand for a scalar or table key."""
    return Key(types, required, choices)


def list_of(*items: type, required: bool = False) -> Key:
    """A key holding a list whose elements have one of ``items``' types."""
    return Key((list,), required, (), items)


def check_table(raw: object, keys: Mapping[str, Key], where: str) -> dict[str, Any]:
    """Validate one table; returns it, or raises PluginError naming the first problem."""
    if not isinstance(raw, dict):
        raise PluginError(f"{where} must be a table")
    for name in raw:
        if name not in keys:
            raise PluginError(_unknown(name, keys, where))
    for name, spec in keys.items():
        if name in raw:
            _check_value(raw[name], spec, f"{where}: {name!r}")
        elif spec.required:
            raise PluginError(f"{where}: missing required key {name!r}")
    return raw


def _unknown(name: str, keys: Mapping[str, Key], where: str) -> str:
    close = difflib.get_close_matches(name, list(keys), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"{where}: unknown key {name!r}{hint}; valid keys: {', '.join(keys)}"


def _check_value(value: Any, spec: Key, where: str) -> None:
    if not _is(value, spec.types):
        raise PluginError(f"{where} must be {' or '.join(_NAMES[t] for t in spec.types)}")
    if spec.choices and value not in spec.choices:
        raise PluginError(f"{where} must be one of {', '.join(map(str, spec.choices))}")
    if spec.items and isinstance(value, list) and not all(_is(v, spec.items) for v in value):
        raise PluginError(f"{where} must hold only {' or '.join(_NAMES[t] for t in spec.items)}")


def _is(value: Any, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool):
        return bool in types
    if float in types and isinstance(value, int):
        return True
    return isinstance(value, types)


def inside(name: str, where: str) -> str:
    """A file name relative to the plugin folder; refuses absolute paths and ``..``."""
    for path in (PurePosixPath(name), PureWindowsPath(name)):
        if path.is_absolute() or path.drive or path.root or ".." in path.parts:
            raise PluginError(f"{where}: {name!r} points outside the plugin folder")
    if not name.strip():
        raise PluginError(f"{where}: empty file name")
    return name


def entry_point(entry: str, where: str) -> str:
    """A ``module:Attr`` naming a module inside the plugin folder (dotted names, no paths)."""
    module, _, attr = entry.partition(":")
    parts = module.split(".")
    if not attr.isidentifier() or not all(p.isidentifier() for p in parts):
        raise PluginError(
            f"{where}: entry {entry!r} must be 'module:Attr' with a module inside the plugin "
            "folder (dotted names only, no paths or '..')"
        )
    return entry
