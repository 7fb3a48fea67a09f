"""Reading the text in pictures (OCR) as a job, and as the enricher that runs it after indexing.

Each item is read once per text reader: its lines (text, box, confidence) become one ``ocr``
text of the item, produced by the reader's contribution id, with the lines in ``meta``; an item
without text is marked as read all the same, so it costs nothing on the next run. The library
setting ``ocr`` (``on`` by default, ``off``) decides whether indexing reads text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mmdesk.core.enrich import chosen, register
from mmdesk.core.jobs import Changes, Job
from mmdesk.core.media import read_image_file
from mmdesk.core.tasks import TaskState
from mmdesk.errors import MediaError, MmdeskError
from mmdesk.plugins.contributions import TEXT_READER
from mmdesk.plugins.protocols import TextLine, TextReader

if TYPE_CHECKING:
    from mmdesk.core.library import Library

SETTING, READER_SETTING = "ocr", "ocr.reader"
ITEM_KINDS = ("image",)  # video frames: once their decoder lands
MIN_SIDE = 1600  # decode big photos at about this size: small print stays legible
BATCH = 8
EVERYTHING = 1 << 40


def reader_id(library: Library) -> str | None:
    """The text reader in use: the one the library names, else the first installed one."""
    return chosen(library, TEXT_READER, READER_SETTING)


class OcrJob:
    """Read the text of the items that the reader has not read (or of ``item_ids``, again)."""

    name = "reading text"

    def __init__(self, item_ids: list[int] | None = None, *, batch: int = BATCH) -> None:
        self.item_ids = item_ids
        self.batch = batch
        self.read = self.found = 0

    def run(self, library: Library, state: TaskState) -> Changes:
        producer = reader_id(library)
        if producer is None:
            raise MmdeskError("no text reader is installed (the bundled one is 'rapidocr')")
        reader = library.registry.build(TEXT_READER, producer)
        if self.item_ids is not None:
            library.store.forget_passes(producer, self.item_ids)
        todo = library.store.items_unread(producer, ITEM_KINDS, EVERYTHING)
        if self.item_ids is not None:
            todo = [i for i in todo if i in set(self.item_ids)]
        changes = Changes()
        for start in range(0, len(todo), self.batch):
            state.checkpoint()
            found = _read_batch(library, reader, todo[start : start + self.batch])
            library.store.replace_texts("ocr", producer, found)
            self.read += len(found)
            self.found += sum(1 for _, texts in found if texts)
            state.report(self.read, len(todo), message=self.name)
            state.publish(batch_changes := Changes(texts=True, items=True))
            changes |= batch_changes
        return changes


def _read_batch(
    library: Library, reader: TextReader, item_ids: list[int]
) -> list[tuple[int, list[tuple[str, dict[str, Any] | None]]]]:
    """Each item's OCR text and meta (none when no text, or when the file cannot be read)."""
    info = library.store.items_info(item_ids)
    images, readable = [], []
    for item in item_ids:
        try:
            images.append(read_image_file(info[item]["path"], min_side=MIN_SIDE).image)
            readable.append(item)
        except (KeyError, MediaError):
            continue  # gone or unreadable: the index reports it; read as "no text"
    lines = _lines_of(reader, images)
    texts = {item: _text(ls, image.size) for item, ls, image in zip(readable, lines, images)}
    return [(item, texts.get(item, [])) for item in item_ids]


def _lines_of(reader: TextReader, images: list[Any]) -> list[list[TextLine]]:
    """Lines with boxes when the reader gives them, else its plain text as box-less lines."""
    if not images:
        return []
    read_lines = getattr(reader, "read_lines", None)
    if callable(read_lines):
        result: list[list[TextLine]] = read_lines(images)
        return result
    texts = reader.read_text(images)
    return [[TextLine(t, (), 1.0) for t in text.splitlines() if t.strip()] for text in texts]


def _text(lines: list[TextLine], size: tuple[int, int]) -> list[tuple[str, dict[str, Any] | None]]:
    """One text of the item: its lines joined, each line's box and confidence in meta."""
    if not lines:
        return []
    meta = {
        "size": list(size),
        "lines": [
            {"text": ln.text, "box": [list(p) for p in ln.box], "score": ln.score} for ln in lines
        ],
    }
    return [("\n".join(ln.text for ln in lines), meta)]


def ocr_enricher(library: Library) -> Job | None:
    """The OCR job when reading is on, a reader is installed and some item is unread."""
    if library.store.get_setting(SETTING, "on") == "off":
        return None
    try:
        producer = reader_id(library)
    except MmdeskError:
        return None
    if producer is None or not library.store.items_unread(producer, ITEM_KINDS, 1):
        return None
    return OcrJob()


register("ocr", ocr_enricher)
