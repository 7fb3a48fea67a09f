"""Plugin manifests (``plugin.toml``): parsed and validated without importing plugin code.

api 1 manifests hold ``[[encoders]]`` only; api 2 adds one array of tables per contribution
kind (see :data:`mmdesk.plugins.tables.TABLES`). Both are checked key by key.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from mmdesk.errors import PluginError
from mmdesk.plugins.schema import Key, check_table, inside, key
from mmdesk.plugins.specs import (
    AnySpec,
    CaptionerSpec,
    ClassifierSpec,
    EncoderSpec,
    FaceAnalyserSpec,
    TextReaderSpec,
    TranscriberSpec,
)
from mmdesk.plugins.tables import TABLES, Context, parse_tables

__all__ = ["API_VERSION", "EncoderSpec", "Manifest", "load_manifest", "parse_manifest"]

API_VERSION = 2
_ID = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")
_SHA = re.compile(r"^[0-9a-f]{64}$")
_T = TypeVar("_T")
_TOP_KEYS_V1: dict[str, Key] = {
    "id": key(str, required=True),
    "name": key(str, required=True),
    "version": key(str, required=True),
    "api": key(int, required=True),
    "licence": key(str),
    "license": key(str),
    "description": key(str),
    "files": key(dict),
    "encoders": key(list),
    "extra": key(dict),
}
_TOP_KEYS = {1: _TOP_KEYS_V1, 2: _TOP_KEYS_V1 | {n: key(list) for n in TABLES}}


@dataclass(frozen=True)
class Manifest:
    """A validated plugin manifest: its identity, files, and contributions by kind."""

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
    captioners: tuple[CaptionerSpec, ...] = ()
    text_readers: tuple[TextReaderSpec, ...] = ()
    transcribers: tuple[TranscriberSpec, ...] = ()
    classifiers: tuple[ClassifierSpec, ...] = ()
    face_analysers: tuple[FaceAnalyserSpec, ...] = ()

    def spaces(self) -> set[str]:
        """The embedding spaces this plugin's encoders map into."""
        return {e.space for e in self.encoders}

    def contributions(self) -> tuple[AnySpec, ...]:
        """Every contribution, of every kind, in manifest order per kind."""
        return (
            *self.encoders,
            *self.captioners,
            *self.text_readers,
            *self.transcribers,
            *self.classifiers,
            *self.face_analysers,
        )

    @property
    def runs_code(self) -> bool:
        """Whether any contribution names plugin code (an ``entry``)."""
        return any(c.entry for c in self.contributions())


def load_manifest(folder: Path) -> Manifest:
    """Read and validate ``folder/plugin.toml``; raises PluginError saying what is wrong."""
    path = folder / "plugin.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PluginError(f"{folder}: no plugin.toml") from exc
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PluginError(f"{path}: not valid TOML: {exc}") from exc
    return parse_manifest(data, folder)


def parse_manifest(data: dict[str, Any], folder: Path) -> Manifest:
    """Validate a manifest dict read from ``folder``, every table and key of it."""
    raw_id = data.get("id")
    where = f"plugin {raw_id!r}" if isinstance(raw_id, str) else f"plugin in {folder}"
    api = data.get("api")
    if isinstance(api, int) and not isinstance(api, bool) and api not in _TOP_KEYS:
        raise PluginError(f"{where}: needs plugin API {api}; this mmdesk reads 1 to {API_VERSION}")
    check_table(data, _TOP_KEYS.get(api if isinstance(api, int) else 1, _TOP_KEYS_V1), where)
    if not _ID.match(data["id"]):
        raise PluginError(f"{where}: id must match {_ID.pattern}")
    ctx = Context(folder, data["id"], data["version"], _files(data.get("files", {}), where))
    specs = [s for n in TABLES for s in parse_tables(n, data.get(n, []), ctx)]
    manifest = Manifest(
        id=data["id"],
        name=data["name"],
        version=data["version"],
        api=data["api"],
        licence=data.get("licence", data.get("license", "unknown")),
        folder=folder,
        description=data.get("description", ""),
        files=ctx.files,
        encoders=_of(specs, EncoderSpec),
        extra=dict(data.get("extra", {})),
        captioners=_of(specs, CaptionerSpec),
        text_readers=_of(specs, TextReaderSpec),
        transcribers=_of(specs, TranscriberSpec),
        classifiers=_of(specs, ClassifierSpec),
        face_analysers=_of(specs, FaceAnalyserSpec),
    )
    _check_unique(manifest, where)
    return manifest


def _of(specs: list[AnySpec], kind: type[_T]) -> tuple[_T, ...]:
    return tuple(s for s in specs if isinstance(s, kind))


def _files(files: dict[str, Any], where: str) -> dict[str, str]:
    """``[files]``: names inside the plugin folder mapped to sha256 hex digests."""
    for name, digest in files.items():
        inside(name, f"{where} [files]")
        if not isinstance(digest, str) or not _SHA.match(digest):
            raise PluginError(f"{where}: [files] must map file names to sha256 hex digests")
    return dict(files)


def _check_unique(manifest: Manifest, where: str) -> None:
    """One id per contribution, and at most one encoder per (space, modality)."""
    ids: set[str] = set()
    for spec in manifest.contributions():
        if spec.id in ids:
            raise PluginError(f"{where}: contribution id {spec.id!r} is declared twice")
        ids.add(spec.id)
    slots: set[tuple[str, str]] = set()
    for enc in manifest.encoders:
        if (enc.space, enc.modality) in slots:
            raise PluginError(f"{where}: space {enc.space!r} has two {enc.modality} encoders")
        slots.add((enc.space, enc.modality))
