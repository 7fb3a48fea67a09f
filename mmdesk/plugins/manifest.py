"""Plugin manifests (``plugin.toml``): parsed and validated without importing plugin code."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mmdesk.errors import PluginError

API_VERSION = 1
MODALITIES = ("image", "text", "audio")
_ID = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")
_SHA = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class EncoderSpec:
    """One encoder contributed by a plugin: which space it maps into and how to run it."""

    id: str
    space: str
    modality: str
    dim: int
    model: str
    folder: Path
    plugin_id: str
    plugin_version: str
    entry: str | None = None
    preprocess: dict[str, Any] = field(default_factory=dict)
    io: dict[str, Any] = field(default_factory=dict)
    tokenizer: dict[str, Any] = field(default_factory=dict)

    @property
    def model_path(self) -> Path:
        return self.folder / self.model


@dataclass(frozen=True)
class Manifest:
    """A validated plugin manifest."""

    id: str
    name: str
    version: str
    api: int
    licence: str
    folder: Path
    description: str = ""
    files: dict[str, str] = field(default_factory=dict)
    encoders: tuple[EncoderSpec, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def spaces(self) -> set[str]:
        return {e.space for e in self.encoders}


def load_manifest(folder: Path) -> Manifest:
    """Read and validate ``folder/plugin.toml``; raises PluginError saying what is wrong."""
    path = folder / "plugin.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PluginError(f"{folder}: no plugin.toml") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PluginError(f"{path}: not valid TOML: {exc}") from exc
    return parse_manifest(data, folder)


def parse_manifest(data: dict[str, Any], folder: Path) -> Manifest:
    """Validate a manifest dict read from ``folder``."""
    plugin_id = _require(data, "id", str, "plugin")
    where = f"plugin {plugin_id!r}"
    if not _ID.match(plugin_id):
        raise PluginError(f"{where}: id must match {_ID.pattern}")
    api = _require(data, "api", int, where)
    if api > API_VERSION:
        raise PluginError(f"{where}: needs plugin API {api}; this mmdesk has {API_VERSION}")
    files = data.get("files", {})
    if not isinstance(files, dict) or not all(
            isinstance(v, str) and _SHA.match(v) for v in files.values()):
        raise PluginError(f"{where}: [files] must map file names to sha256 hex digests")
    version = str(_require(data, "version", str, where))
    encoders = tuple(_encoder(e, folder, plugin_id, version, files)
                     for e in _list(data.get("encoders", []), where))
    return Manifest(id=plugin_id, name=_require(data, "name", str, where), version=version,
                    api=api, licence=str(data.get("licence", data.get("license", "unknown"))),
                    folder=folder, description=str(data.get("description", "")),
                    files=dict(files), encoders=encoders, extra=dict(data.get("extra", {})))


def _encoder(raw: dict[str, Any], folder: Path, plugin_id: str, version: str,
             files: dict[str, str]) -> EncoderSpec:
    where = f"plugin {plugin_id!r} encoder {raw.get('id')!r}"
    modality = _require(raw, "modality", str, where)
    if modality not in MODALITIES:
        raise PluginError(f"{where}: modality must be one of {', '.join(MODALITIES)}")
    model = _require(raw, "model", str, where)
    if raw.get("entry") is None and model not in files:
        raise PluginError(f"{where}: model file {model!r} has no sha256 in [files]")
    dim = _require(raw, "dim", int, where)
    if dim <= 0:
        raise PluginError(f"{where}: dim must be positive")
    return EncoderSpec(id=_require(raw, "id", str, where), space=_require(raw, "space", str, where),
                       modality=modality, dim=dim, model=model, folder=folder,
                       plugin_id=plugin_id, plugin_version=version, entry=raw.get("entry"),
                       preprocess=dict(raw.get("preprocess", {})), io=dict(raw.get("io", {})),
                       tokenizer=dict(raw.get("tokenizer", {})))


def _require(data: dict[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in data:
        raise PluginError(f"{where}: missing required key {key!r}")
    value = data[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise PluginError(f"{where}: {key!r} must be {kind.__name__}")
    return value


def _list(value: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise PluginError(f"{where}: [[encoders]] must be a list of tables")
    return value
