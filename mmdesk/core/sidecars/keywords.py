"""mmdesk's tags as XMP keywords and back, the way digiKam and Lightroom keep them.

A nested tag ``Family/Grandpa`` is the leaf ``Grandpa`` in ``dc:subject`` and the path
``Family|Grandpa`` in ``lr:hierarchicalSubject``; a flat tag is the same word in both.

Merging never loses another tool's keywords: mmdesk records the tags it wrote in
``mmdesk:tags``, so the next export removes only what mmdesk itself put there and the person
has since taken off (or marked as *not* this tag); keywords it did not write stay. Predicted
tags go to ``mmdesk:predicted`` with their scores, and into the keywords only when asked.
"""

from __future__ import annotations

from collections.abc import Iterable

from mmdesk.core.sidecars.dom import DC, DIGIKAM, LR, MMDESK, RDF
from mmdesk.core.sidecars.facts import FileFacts
from mmdesk.core.sidecars.xmp import XmpDoc

SUBJECT, HIERARCHY = (DC, "subject"), (LR, "hierarchicalSubject")


def parts(tag: str) -> list[str]:
    """The levels of a tag: ``"Family / Grandpa"`` is ``["Family", "Grandpa"]``."""
    return [p.strip() for p in tag.replace("|", "/").split("/") if p.strip()]


def leaf(tag: str) -> str:
    return (parts(tag) or [tag.strip()])[-1]


def path(tag: str) -> str:
    """The ``lr:hierarchicalSubject`` form of a tag."""
    return "|".join(parts(tag))


def tag_name(keyword_path: str) -> str:
    """The mmdesk tag of a hierarchical keyword (``A|B`` or digiKam's ``A/B``)."""
    return "/".join(parts(keyword_path))


def unique(values: Iterable[str]) -> list[str]:
    """Values in order, without repeats that differ only in case."""
    seen: set[str] = set()
    out = []
    for value in values:
        if value and value.casefold() not in seen:
            seen.add(value.casefold())
            out.append(value)
    return out


def tags_in(doc: XmpDoc) -> list[str]:
    """The tags a packet names: every hierarchical keyword, and each plain keyword that is not
    a level of one (Lightroom lists a path's levels in ``dc:subject`` too)."""
    paths = [tag_name(k) for k in doc.array(*HIERARCHY) + doc.array(DIGIKAM, "TagsList")]
    levels = {p.casefold() for t in paths for p in parts(t)}
    flat = [k.strip() for k in doc.array(*SUBJECT) if k.strip().casefold() not in levels]
    return unique([t for t in paths if t] + flat)


def merge(doc: XmpDoc, facts: FileFacts, *, predicted: bool = False) -> None:
    """Write a file's tags, caption and predictions into ``doc``, keeping everything else."""
    wanted = unique(facts.tags + ([n for n, _ in facts.predicted] if predicted else []))
    gone = {t.casefold() for t in doc.array(MMDESK, "tags") + facts.refused}
    gone -= {t.casefold() for t in wanted}
    kept = [k for k in doc.array(*HIERARCHY) if tag_name(k).casefold() not in gone]
    doc.set_array(*HIERARCHY, unique(kept + [path(t) for t in wanted]))
    dropped = {leaf(t) for t in gone} - {leaf(t).casefold() for t in wanted + kept}
    subjects = [k for k in doc.array(*SUBJECT) if k.casefold() not in dropped]
    doc.set_array(*SUBJECT, unique(subjects + [leaf(t) for t in wanted]))
    doc.set_array(MMDESK, "tags", wanted)
    if facts.caption:
        doc.set_alt_default(DC, "description", facts.caption)
    set_predictions(doc, facts.predicted)


def set_predictions(doc: XmpDoc, rows: list[tuple[str, float | None]]) -> None:
    """``mmdesk:predicted``: a Bag of ``{mmdesk:name, mmdesk:score}`` structs."""
    if not rows:
        doc.replace(MMDESK, "predicted", None)
        return
    scope = doc.target(MMDESK, "predicted")
    prop = doc.element(MMDESK, "predicted", scope)
    box = prop.appendChild(doc.element(RDF, "Bag", scope))
    for name, score in rows:
        li = box.appendChild(doc.element(RDF, "li", scope))
        li.setAttributeNS(RDF, f"{doc.prefix(RDF, scope)}:parseType", "Resource")
        li.appendChild(doc.element(MMDESK, "name", scope, name))
        if score is not None:
            li.appendChild(doc.element(MMDESK, "score", scope, f"{score:.4f}"))
    doc.replace(MMDESK, "predicted", prop)
