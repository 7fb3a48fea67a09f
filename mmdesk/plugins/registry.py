"""The plugin registry: discovered manifests, their spaces, and runtimes built on first use.

Discovery, listing and choosing a space read manifests only; plugin code is imported when a
runtime of it is first built, through the same factory path as the built-in runtimes.
"""

from __future__ import annotations

import threading
from typing import Any, cast

from mmdesk.config import Settings
from mmdesk.errors import PluginError
from mmdesk.kinds import Modality
from mmdesk.plugins.contributions import ENCODER_KINDS, ContributionKind, RuntimeT, SpecT
from mmdesk.plugins.discovery import Discovered, discover
from mmdesk.plugins.loader import contained, load_entry
from mmdesk.plugins.manifest import Manifest
from mmdesk.plugins.session import SessionOptions
from mmdesk.plugins.spaces import DEFAULT_SPACE, Space, select_space
from mmdesk.plugins.specs import EncoderSpec

__all__ = ["DEFAULT_SPACE", "Discovered", "Registry", "Space", "load_entry"]


class Registry:
    """Everything mmdesk knows about plugins in one session. Thread-safe."""

    def __init__(self, settings: Settings, *, verify: bool = True) -> None:
        self.settings = settings
        self.options = SessionOptions(
            settings.device, settings.threads, cache_dir=settings.cache_dir
        )
        self._verify = verify
        self._found: list[Discovered] | None = None
        self._built: dict[tuple[str, str], object] = {}
        self._lock = threading.RLock()

    def discovered(self) -> list[Discovered]:
        """Every plugin candidate, usable or with the reason it is not (found once)."""
        with self._lock:
            if self._found is None:
                self._found = discover(
                    self.settings.plugin_dirs(),
                    verify=self._verify,
                    checksum_cache=self.settings.cache_dir / "checksums.json",
                )
            return self._found

    def refresh(self) -> None:
        """Forget what was found and built, so the next call looks at the folders again."""
        with self._lock:
            self._found = None
            self._built.clear()

    def manifests(self) -> list[Manifest]:
        """The usable plugins' manifests, in discovery order."""
        return [d.manifest for d in self.discovered() if d.ok and d.manifest]

    def contributions(self, kind: ContributionKind[SpecT, RuntimeT]) -> dict[str, SpecT]:
        """The installed contributions of one kind, by id."""
        return {s.id: s for m in self.manifests() for s in kind.select(m)}

    def specs(self) -> dict[str, EncoderSpec]:
        """Every installed encoder, of every modality, by id."""
        return {e.id: e for m in self.manifests() for e in m.encoders}

    def spaces(self) -> dict[str, Space]:
        """Installed embedding spaces by id (each belongs to one plugin)."""
        spaces: dict[str, Space] = {}
        for manifest in self.manifests():
            for spec in manifest.encoders:
                space = spaces.setdefault(
                    spec.space, Space(spec.space, spec.plugin_id, runs_code=manifest.runs_code)
                )
                space.encoders.setdefault(spec.modality, spec)
        return spaces

    def space_for(self, modality: Modality, wanted: str | None = None) -> Space:
        """The space that ``modality``'s search uses; see :func:`spaces.select_space`."""
        return select_space(self.spaces(), modality, wanted)

    def choose_space(self, wanted: str | None = None) -> Space:
        """Deprecated: ``space_for("image", wanted)``; kept until its callers move."""
        return self.space_for("image", wanted)

    def build(self, kind: ContributionKind[SpecT, RuntimeT], contribution_id: str) -> RuntimeT:
        """The runtime of one contribution, built once (its model loads lazily on first use)."""
        with self._lock:
            key = (kind.name, contribution_id)
            if key not in self._built:
                spec = self.contributions(kind).get(contribution_id)
                if spec is None:
                    raise PluginError(f"{kind.name} {contribution_id!r} is not installed")
                self._built[key] = _make(kind, spec, self.options)
            return cast(RuntimeT, self._built[key])

    def encoder(self, encoder_id: str) -> Any:
        """The encoder ``encoder_id``, of whatever modality (untyped: prefer :meth:`build`)."""
        spec = self.specs().get(encoder_id)
        if spec is None:
            raise PluginError(f"encoder {encoder_id!r} is not installed")
        return self.build(ENCODER_KINDS[spec.modality], encoder_id)


def _make(
    kind: ContributionKind[SpecT, RuntimeT], spec: SpecT, options: SessionOptions
) -> RuntimeT:
    """Call the plugin's entry, or the kind's built-in runtime; check what comes back."""
    where = f"plugin {spec.plugin_id!r} {kind.name} {spec.id!r}"
    if spec.entry:
        factory = load_entry(spec.folder, spec.entry, spec.plugin_id)
    elif kind.builtin is not None:
        factory = kind.builtin
    else:
        raise PluginError(
            f"{where}: mmdesk has no built-in {kind.name}; the plugin must name an entry"
        )
    runtime = contained(f"{where}: building", lambda: factory(spec, options))
    missing = [m for m in kind.methods if not callable(getattr(runtime, m, None))]
    if missing:
        raise PluginError(f"{where}: {spec.entry} gives an object without {', '.join(missing)}()")
    return cast(RuntimeT, runtime)
