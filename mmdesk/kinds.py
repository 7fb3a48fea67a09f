"""One vocabulary of kinds: file kinds, item kinds, modalities, and how they map.

A *file* on disk is an image, a video or an audio file (by its extension). Indexing turns a file
into *items*, the things search returns: a photo is one ``image`` item; a video is a run of
``video_frame`` items (each with start/end seconds) and, from its sound track, ``audio_segment``
items; an audio file is a run of ``audio_segment`` items. Each item kind is embedded in one
*modality* (``image`` or ``audio``; ``text`` is the modality of queries, captions, OCR and
transcripts). Store, search, CLI and GUI use these names and maps, and nothing else.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Final, Literal, get_args

FileKind = Literal["image", "video", "audio"]
ItemKind = Literal["image", "video_frame", "audio_segment"]
Modality = Literal["image", "text", "audio"]
TextSource = Literal["caption", "ocr", "transcript", "user"]

FILE_KINDS: Final[tuple[FileKind, ...]] = get_args(FileKind)
ITEM_KINDS: Final[tuple[ItemKind, ...]] = get_args(ItemKind)
MODALITIES: Final[tuple[Modality, ...]] = get_args(Modality)
TEXT_SOURCES: Final[tuple[TextSource, ...]] = get_args(TextSource)

EXTENSIONS: Final[dict[FileKind, frozenset[str]]] = {
    "image": frozenset(
        {
            ".jpg",
            ".jpeg",
            ".jpe",
            ".png",
            ".webp",
            ".gif",
            ".bmp",
            ".tif",
            ".tiff",
            ".heic",
            ".heif",
            ".avif",
        }
    ),
    "video": frozenset(
        {".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".3gp"}
    ),
    "audio": frozenset({".mp3", ".m4a", ".aac", ".wav", ".flac", ".ogg", ".oga", ".opus", ".wma"}),
}

# Items a file of each kind yields (video: frames, and segments of its sound track).
ITEMS_OF_FILE: Final[dict[FileKind, tuple[ItemKind, ...]]] = {
    "image": ("image",),
    "video": ("video_frame", "audio_segment"),
    "audio": ("audio_segment",),
}

# The embedding modality of each item kind: which space's encoder embeds it.
MODALITY_OF_ITEM: Final[dict[ItemKind, Modality]] = {
    "image": "image",
    "video_frame": "image",
    "audio_segment": "audio",
}

# Modalities that have an active space a person chooses (queries are embedded in each).
SPACE_MODALITIES: Final[tuple[Modality, ...]] = ("image", "text", "audio")

# File kinds the index scans for (each has a decoder in mmdesk.core.media).
INDEXED_FILE_KINDS: Final[frozenset[FileKind]] = frozenset(FILE_KINDS)


def file_kind(path: PurePath | str) -> FileKind | None:
    """The kind of a file from its name ('image', 'video', 'audio'), or None."""
    ext = PurePath(path).suffix.lower()
    for kind, exts in EXTENSIONS.items():
        if ext in exts:
            return kind
    return None


def check_file_kinds(kinds: list[str] | tuple[str, ...]) -> list[FileKind]:
    """Validate a filter by file kind; raises ValueError naming the valid kinds."""
    for kind in kinds:
        if kind not in FILE_KINDS:
            raise ValueError(f"unknown kind {kind!r}: choose from {', '.join(FILE_KINDS)}")
    return list(kinds)  # type: ignore[arg-type]
