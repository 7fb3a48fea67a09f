"""Finding plugins. Discovery never raises: each result carries a manifest or an error.

Earlier plugins win: bundled folders come first, so a later plugin that reuses a plugin id, a
contribution id or another plugin's space is reported broken and never replaces the first.
"""

from __future__ import annotations

import importlib.util
import logging
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

from mmdesk.errors import MmdeskError
from mmdesk.plugins.checksums import verify_files
from mmdesk.plugins.manifest import Manifest, load_manifest

log = logging.getLogger(__name__)
ENTRY_POINT_GROUP = "mmdesk.plugins"


@dataclass(frozen=True)
class Discovered:
    """One plugin candidate: a usable manifest, or the reason it is unusable."""

    folder: Path
    source: str  # bundled | user | path | entry-point:<name>
    manifest: Manifest | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the plugin can be used."""
        return self.manifest is not None and self.error is None


def discover(
    dirs: list[Path],
    *,
    checksum_cache: Path | None = None,
    verify: bool = True,
    include_entry_points: bool = True,
) -> list[Discovered]:
    """All plugins in ``dirs`` (each subfolder with a plugin.toml) and the entry-point group."""
    found: list[Discovered] = []
    claims = _Claims()
    for index, root in enumerate(dirs):
        source = "bundled" if index == 0 else "user" if index == 1 else "path"
        for folder in _plugin_folders(root):
            found.append(_inspect(folder, source, checksum_cache, verify, claims))
    if include_entry_points:
        for name, location, error in _entry_point_folders():
            if error or location is None:
                found.append(
                    Discovered(
                        Path(location or "."), f"entry-point:{name}", None, error or "no folder"
                    )
                )
            else:
                found.append(
                    _inspect(Path(location), f"entry-point:{name}", checksum_cache, verify, claims)
                )
    return found


def _plugin_folders(root: Path) -> list[Path]:
    try:
        return sorted(
            p
            for p in root.iterdir()
            if p.is_dir() and not p.name.startswith((".", "_")) and (p / "plugin.toml").exists()
        )
    except OSError:
        return []


class _Claims:
    """Plugin ids, contribution ids and spaces taken by plugins found so far."""

    def __init__(self) -> None:
        self.plugins: set[str] = set()
        self.contributions: dict[str, str] = {}
        self.spaces: dict[str, str] = {}

    def conflict(self, manifest: Manifest) -> str | None:
        """Why ``manifest`` clashes with an earlier plugin, or None."""
        if manifest.id in self.plugins:
            return f"duplicate plugin id {manifest.id!r}: an earlier plugin has it"
        for spec in manifest.contributions():
            if spec.id in self.contributions:
                owner = self.contributions[spec.id]
                return f"contribution id {spec.id!r} is already used by plugin {owner!r}"
        for space in sorted(manifest.spaces()):
            if space in self.spaces:
                return f"space {space!r} belongs to plugin {self.spaces[space]!r}"
        return None

    def take(self, manifest: Manifest) -> None:
        self.plugins.add(manifest.id)
        self.contributions |= {c.id: manifest.id for c in manifest.contributions()}
        self.spaces |= {s: manifest.id for s in manifest.spaces()}


def _inspect(
    folder: Path, source: str, cache: Path | None, verify: bool, claims: _Claims
) -> Discovered:
    try:
        manifest = load_manifest(folder)
        if reason := claims.conflict(manifest):
            return Discovered(folder, source, None, f"plugin {manifest.id!r}: {reason}")
        claims.take(manifest)
        if verify:
            verify_files(folder, manifest.files, cache)
        return Discovered(folder, source, manifest)
    except MmdeskError as exc:
        return Discovered(folder, source, None, str(exc))
    except Exception as exc:  # a plugin must never take discovery down
        log.exception("unexpected error reading plugin in %s", folder)
        return Discovered(folder, source, None, f"unexpected error: {exc!r}")


def _entry_point_folders() -> list[tuple[str, str | None, str | None]]:
    """(name, folder, error) for each entry point, found without importing its code."""
    out: list[tuple[str, str | None, str | None]] = []
    try:
        eps = list(entry_points(group=ENTRY_POINT_GROUP))
    except Exception as exc:  # broken metadata of one distribution
        return [("?", None, f"cannot read entry points: {exc}")]
    for ep in eps:
        try:
            spec = importlib.util.find_spec(ep.module)
        except (ImportError, ValueError) as exc:
            out.append((ep.name, None, f"entry point {ep.value!r}: {exc}"))
            continue
        if spec is None or (spec.origin is None and not spec.submodule_search_locations):
            out.append((ep.name, None, f"entry point {ep.value!r}: module not found"))
            continue
        locations = list(spec.submodule_search_locations or [])
        folder = locations[0] if locations else str(Path(spec.origin or ".").parent)
        out.append((ep.name, folder, None))
    return out
