"""Typed specs of every contribution kind a plugin manifest can declare.

A spec is what the manifest says about one contribution, validated at discovery: enough to list
it, to choose it and to build its runtime later, without importing any plugin code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from mmdesk.kinds import Modality


class ContributionSpec(Protocol):
    """What every spec has: the registry builds and reports contributions through these."""

    @property
    def id(self) -> str: ...

    @property
    def folder(self) -> Path: ...

    @property
    def plugin_id(self) -> str: ...

    @property
    def entry(self) -> str | None: ...


@dataclass(frozen=True)
class EncoderSpec:
    """One encoder: which space it maps into, in which modality, and how to run it."""

    id: str
    space: str
    modality: Modality
    dim: int
    model: str
    folder: Path
    plugin_id: str
    plugin_version: str
    entry: str | None = None
    preprocess: dict[str, Any] = field(default_factory=dict)
    io: dict[str, Any] = field(default_factory=dict)
    tokenizer: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def model_path(self) -> Path:
        """The model file inside the plugin folder."""
        return self.folder / self.model


@dataclass(frozen=True)
class _CodeSpec:
    """The fields every non-encoder contribution starts with (its runtime comes from code)."""

    id: str
    folder: Path
    plugin_id: str
    plugin_version: str
    entry: str | None


@dataclass(frozen=True)
class CaptionerSpec(_CodeSpec):
    """An image captioner: picture -> sentence, in ``language``, at most ``max_length`` tokens.

    The built-in runtime (no ``entry``) reads ``model`` (the image encoder) and the sub-tables:
    ``decoder``/``generation``/``tokenizer`` for an encoder-decoder, or ``labels`` for a
    label-based captioner (``label_based``: the UI says such captions are guessed from labels).
    """

    model: str | None = None
    language: str = "en"
    max_length: int = 32
    label_based: bool = False
    preprocess: dict[str, Any] = field(default_factory=dict)
    decoder: dict[str, Any] = field(default_factory=dict)
    generation: dict[str, Any] = field(default_factory=dict)
    tokenizer: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)

    def path(self, name: str) -> Path:
        """A file of the plugin folder."""
        return self.folder / name


@dataclass(frozen=True)
class TextReaderSpec(_CodeSpec):
    """A text reader (OCR): picture -> the text written in it, for the given languages."""

    model: str | None = None
    languages: tuple[str, ...] = ("en",)
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TranscriberSpec(_CodeSpec):
    """A speech transcriber: mono samples at ``sample_rate`` -> timed text segments."""

    model: str | None = None
    sample_rate: int = 16000
    languages: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ClassifierSpec(_CodeSpec):
    """A classifier over the vectors of one space: vectors -> a score per label."""

    space: str = ""
    labels: tuple[str, ...] = ()
    model: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FaceAnalyserSpec(_CodeSpec):
    """A face analyser: picture -> the faces in it (boxes, confidence), each with an embedding
    of ``dim`` values in which faces of one person lie within ``match_distance`` (euclidean)."""

    model: str | None = None
    dim: int = 128
    match_distance: float = 0.6
    options: dict[str, Any] = field(default_factory=dict)


AnySpec = (
    EncoderSpec
    | CaptionerSpec
    | TextReaderSpec
    | TranscriberSpec
    | ClassifierSpec
    | FaceAnalyserSpec
)
