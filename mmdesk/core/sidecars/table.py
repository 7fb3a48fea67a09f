"""Labels, captions and other texts as one flat table, in CSV or JSON.

One row per (file, item start, kind of data, value, source, producer, score, lang), so a
spreadsheet or a script can take everything out without knowing mmdesk's database:

- labels: kind ``label``, source ``user`` | ``not`` | ``predicted``, producer the classifier,
  score its confidence;
- texts: kind ``caption`` | ``ocr`` | ``transcript`` | ``note``, source ``user`` when a person
  wrote or edited it, else ``model``; producer the model that made it.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal, TextIO

from mmdesk.core.search import Filters
from mmdesk.core.sidecars.facts import label_kind
from mmdesk.core.sidecars.selection import EVERY
from mmdesk.errors import MmdeskError

if TYPE_CHECKING:
    from mmdesk.core.library import Library

What = Literal["labels", "captions", "texts", "all"]
Format = Literal["csv", "json"]
WHATS: tuple[str, ...] = ("labels", "captions", "texts", "all")
FORMATS: tuple[str, ...] = ("csv", "json")
COLUMNS = ("path", "start", "kind", "value", "source", "producer", "score", "lang")
TEXT_KINDS = {"caption": "caption", "ocr": "ocr", "transcript": "transcript", "user": "note"}


def label_row(path: str, start: float | None, label: dict[str, Any]) -> dict[str, Any]:
    kind = label_kind(str(label["source"]))
    producer = label["source"] if kind == "predicted" and label["source"] != "predicted" else None
    return {
        **dict.fromkeys(COLUMNS),
        **{"path": path, "start": start, "kind": "label", "value": label["name"]},
        **{"source": kind, "producer": producer, "score": label.get("score")},
    }


def text_row(path: str, start: float | None, text: dict[str, Any]) -> dict[str, Any]:
    producer = text.get("producer")
    return {
        **dict.fromkeys(COLUMNS),
        **{"path": path, "start": start, "kind": TEXT_KINDS.get(text["source"], text["source"])},
        **{"value": text["text"], "source": "user" if producer == "user" else "model"},
        **{"producer": producer, "lang": text.get("lang")},
    }


def rows(library: Library, what: What) -> Iterator[dict[str, Any]]:
    """The table's rows for every present item, files by path, items by start."""
    if what not in WHATS:
        raise MmdeskError(f"export one of {', '.join(WHATS)} (not {what!r})")
    items = sorted(library.browse(Filters(limit=EVERY)), key=lambda r: (r.path, r.start or 0))
    for item in items:
        if what in ("labels", "all"):
            for label in library.labels_for(item.item_id):
                yield label_row(item.path, item.start, label)
        if what != "labels":
            for text in library.texts_for(item.item_id):
                if what != "captions" or text["source"] == "caption":
                    yield text_row(item.path, item.start, text)


def write_table(table: Iterator[dict[str, Any]], fmt: Format, out: TextIO) -> int:
    """Write rows as CSV (a header line first) or as a JSON list; returns the row count.

    JSON keeps non-ASCII text readable unless a value cannot be encoded (a file name that is
    not UTF-8), then it escapes, so ``json.load`` gives back the exact path.
    """
    if fmt == "csv":
        writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
        writer.writeheader()
        count = 0
        for row in table:
            writer.writerow(row)
            count += 1
        return count
    if fmt != "json":
        raise MmdeskError(f"export as one of {', '.join(FORMATS)} (not {fmt!r})")
    data = list(table)
    text = json.dumps(data, indent=1, ensure_ascii=False)
    try:
        text.encode(getattr(out, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        text = json.dumps(data, indent=1, ensure_ascii=True)
    out.write(text + "\n")
    return len(data)
