"""The plugin registry: discovered manifests, their spaces, and encoders built on first use."""

from __future__ import annotations

import importlib.util
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mmdesk.config import Settings
from mmdesk.errors import PluginError
from mmdesk.plugins.discovery import Discovered, discover
from mmdesk.plugins.manifest import EncoderSpec
from mmdesk.plugins.runtime import OnnxImageEncoder, OnnxTextEncoder
from mmdesk.plugins.session import SessionOptions

DEFAULT_SPACE = "conse-minilm-l6"


@dataclass
class Space:
    """Encoders whose vectors can be compared: one per modality at most."""

    id: str
    plugin_id: str
    encoders: dict[str, EncoderSpec] = field(default_factory=dict)

    @property
    def searchable(self) -> bool:
        return "text" in self.encoders and len(self.encoders) > 1

    def encoder_ids(self, modality: str | None = None) -> list[str]:
        return [e.id for m, e in self.encoders.items() if modality in (None, m) and m != "text"]


class Registry:
    """Everything mmdesk knows about plugins in one session. Thread-safe."""

    def __init__(self, settings: Settings, *, verify: bool = True) -> None:
        self.settings = settings
        self.options = SessionOptions(settings.device, settings.threads)
        self._verify = verify
        self._found: list[Discovered] | None = None
        self._encoders: dict[str, Any] = {}
        self._lock = threading.Lock()

    def discovered(self) -> list[Discovered]:
        if self._found is None:
            self._found = discover(self.settings.plugin_dirs(), verify=self._verify,
                                   checksum_cache=self.settings.cache_dir / "checksums.json")
        return self._found

    def refresh(self) -> None:
        with self._lock:
            self._found = None
            self._encoders.clear()

    def specs(self) -> dict[str, EncoderSpec]:
        return {e.id: e for d in self.discovered() if d.ok and d.manifest
                for e in d.manifest.encoders}

    def spaces(self) -> dict[str, Space]:
        spaces: dict[str, Space] = {}
        for spec in self.specs().values():
            space = spaces.setdefault(spec.space, Space(spec.space, spec.plugin_id))
            space.encoders.setdefault(spec.modality, spec)
        return spaces

    def choose_space(self, wanted: str | None = None) -> Space:
        """The space to index and search with: ``wanted``, else the default, else any."""
        spaces = {k: v for k, v in self.spaces().items() if v.searchable}
        if wanted:
            if wanted not in spaces:
                raise PluginError(f"embedding space {wanted!r} is not installed or not usable;"
                                  f" available: {', '.join(sorted(spaces)) or 'none'}")
            return spaces[wanted]
        if DEFAULT_SPACE in spaces:
            return spaces[DEFAULT_SPACE]
        if not spaces:
            raise PluginError("no usable model is installed: run `mmdesk models build-default`"
                              " (or see `mmdesk plugins` for broken ones)")
        return spaces[sorted(spaces)[0]]

    def encoder(self, encoder_id: str) -> Any:
        """The encoder instance (built once; its model loads lazily on first use)."""
        with self._lock:
            if encoder_id not in self._encoders:
                spec = self.specs().get(encoder_id)
                if spec is None:
                    raise PluginError(f"encoder {encoder_id!r} is not installed")
                self._encoders[encoder_id] = self._build(spec)
            return self._encoders[encoder_id]

    def _build(self, spec: EncoderSpec) -> Any:
        if spec.entry:
            return load_entry(spec.folder, spec.entry, spec.plugin_id)(spec, self.options)
        if spec.modality == "image":
            return OnnxImageEncoder(spec, self.options)
        if spec.modality == "text":
            return OnnxTextEncoder(spec, self.options)
        raise PluginError(f"{spec.id}: no built-in runtime for modality {spec.modality!r}; "
                          "the plugin must name an entry")


def load_entry(folder: Path, entry: str, plugin_id: str) -> Any:
    """Import ``module:attr`` from a plugin folder (only now, on first use)."""
    module_name, _, attr = entry.partition(":")
    if not module_name or not attr:
        raise PluginError(f"plugin {plugin_id!r}: entry {entry!r} must look like 'module:attr'")
    qualified = f"mmdesk_plugin_{plugin_id.replace('-', '_').replace('.', '_')}.{module_name}"
    path = folder / f"{module_name.replace('.', '/')}.py"
    try:
        if qualified not in sys.modules:
            spec = importlib.util.spec_from_file_location(qualified, path)
            if spec is None or spec.loader is None:
                raise PluginError(f"plugin {plugin_id!r}: cannot import {path}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[qualified] = module
            spec.loader.exec_module(module)
        return getattr(sys.modules[qualified], attr)
    except PluginError:
        raise
    except Exception as exc:
        sys.modules.pop(qualified, None)
        raise PluginError(f"plugin {plugin_id!r}: importing {entry!r} failed: {exc}") from exc
