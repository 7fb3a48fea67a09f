"""What mmdesk knows about one file, in the form sidecars and tables need it.

Labels come from the library as ``{"name", "source", "score"}`` with the store's sources
(``user``, ``not``, ``classifier:<id>``) or the public ones (``user``, ``not``, ``predicted``);
both read the same here. A file with several items (a video's frames) gets the union of its
items' labels and the caption of its first captioned item.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mmdesk.core.tagging.sources import source_kind as label_kind


@dataclass
class FileFacts:
    """The tags a person gave a file, the ones they refused, the predicted ones (name, score)
    and the caption that should describe it."""

    tags: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    predicted: list[tuple[str, float | None]] = field(default_factory=list)
    caption: str | None = None


def pick_caption(texts: Iterable[dict[str, Any]]) -> str | None:
    """A caption the person edited (producer ``user``) first, else the latest caption."""
    captions = [t for t in texts if t.get("source") == "caption" and str(t.get("text")).strip()]
    edited = [t for t in captions if t.get("producer") == "user"]
    chosen = (edited or captions)[-1:] if captions else []
    return str(chosen[0]["text"]).strip() if chosen else None


def file_facts(
    labels: Iterable[dict[str, Any]], texts_per_item: Iterable[list[dict[str, Any]]]
) -> FileFacts:
    """Facts from the labels of a file's items and the texts of each item."""
    facts = FileFacts()
    best: dict[str, float | None] = {}
    for label in labels:
        name, kind = str(label["name"]), label_kind(str(label["source"]))
        if kind == "predicted":
            score = label.get("score")
            old = best.get(name)
            best[name] = score if old is None or (score is not None and score > old) else old
        else:
            _add(facts.tags if kind == "user" else facts.refused, name)
    settled = {n.casefold() for n in facts.tags + facts.refused}
    facts.predicted = [(n, s) for n, s in sorted(best.items()) if n.casefold() not in settled]
    for texts in texts_per_item:
        facts.caption = pick_caption(texts)
        if facts.caption:
            break
    return facts


def _add(names: list[str], name: str) -> None:
    if name.casefold() not in {n.casefold() for n in names}:
        names.append(name)
