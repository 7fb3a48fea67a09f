"""Importing and calling plugin code, with every failure of it turned into a PluginError.

Plugin code runs in mmdesk's process, so a ``sys.exit()`` or a stray exception in it must not
end the app or show a traceback: it becomes a PluginError naming the plugin. Only
KeyboardInterrupt passes through, so the person can still stop a run with Ctrl-C.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from mmdesk.errors import PluginError
from mmdesk.plugins.schema import entry_point

log = logging.getLogger(__name__)
_T = TypeVar("_T")


def contained(where: str, call: Callable[[], _T]) -> _T:
    """Run plugin code; any exception but KeyboardInterrupt becomes a PluginError."""
    try:
        return call()
    except (KeyboardInterrupt, PluginError):
        raise
    except BaseException as exc:  # SystemExit and friends too: a plugin must not end mmdesk
        log.debug("%s failed", where, exc_info=True)
        raise PluginError(f"{where} failed: {type(exc).__name__}: {exc}") from None


def load_entry(folder: Path, entry: str, plugin_id: str) -> Any:
    """Import ``module:attr`` from a plugin folder (only now, on first use) and return attr."""
    where = f"plugin {plugin_id!r}"
    module_name, _, attr = entry_point(entry, where).partition(":")
    qualified = f"{_package(folder, plugin_id)}.{module_name}"
    path = _module_path(folder, module_name, where)
    if qualified not in sys.modules:
        contained(f"{where}: importing {entry!r}", lambda: _import(qualified, path, where))
    module = sys.modules[qualified]
    if not hasattr(module, attr):
        raise PluginError(f"{where}: {path.name} has no {attr!r} (entry {entry!r})")
    return getattr(module, attr)


def _package(folder: Path, plugin_id: str) -> str:
    """A module prefix unique to the plugin's folder, so two folders never share modules."""
    digest = hashlib.sha1(str(folder.resolve()).encode(), usedforsecurity=False).hexdigest()
    return f"mmdesk_plugin_{plugin_id.replace('-', '_').replace('.', '_')}_{digest[:10]}"


def _module_path(folder: Path, module_name: str, where: str) -> Path:
    """The module's file, refused if it (or a link to it) lies outside the plugin folder."""
    path = (folder / f"{module_name.replace('.', '/')}.py").resolve()
    if not path.is_relative_to(folder.resolve()):
        raise PluginError(f"{where}: module {module_name!r} lies outside the plugin folder")
    if not path.is_file():
        raise PluginError(f"{where}: module {module_name!r} not found ({path.name} is missing)")
    return path


def _import(qualified: str, path: Path, where: str) -> None:
    spec = importlib.util.spec_from_file_location(qualified, path)
    if spec is None or spec.loader is None:
        raise PluginError(f"{where}: cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[qualified] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(qualified, None)
        raise
