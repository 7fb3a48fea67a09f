"""Exporting to sidecars and importing keywords, as jobs with progress and cancel.

Both walk files, not items: a sidecar describes a file, and a video's keywords belong to
every frame of it. A file that cannot be read or written is a problem row with a reason, never
the end of the run; a cancelled import still adds the keywords read so far.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from mmdesk.core.jobs import Changes
from mmdesk.core.sidecars.facts import file_facts, label_kind
from mmdesk.core.sidecars.files import (
    embedded_doc,
    read_doc,
    sidecar_for,
    sidecars_of,
    write_atomic,
)
from mmdesk.core.sidecars.keywords import merge, tags_in
from mmdesk.core.sidecars.selection import SidecarReport, files_at, files_of_items
from mmdesk.core.sidecars.xmp import XmpDoc
from mmdesk.core.tasks import TaskState
from mmdesk.errors import CancelledError, MmdeskError

if TYPE_CHECKING:
    from mmdesk.core.library import Library


class WriteSidecarsJob:
    """Write each file's tags, caption and predictions into its ``.xmp`` sidecar."""

    name = "writing sidecars"

    def __init__(self, item_ids: list[int] | None = None, *, predicted: bool = False) -> None:
        self.item_ids = item_ids
        self.predicted = predicted
        self.report = SidecarReport()

    def run(self, library: Library, state: TaskState) -> Changes:
        start, files = time.monotonic(), files_of_items(library, self.item_ids)
        try:
            for n, (photo, items) in enumerate(files.items()):
                state.checkpoint()
                self._one(library, photo, items)
                state.report(n + 1, len(files), len(self.report.problems))
        except CancelledError:
            self.report.cancelled = True
        self.report.seconds = time.monotonic() - start
        return Changes()  # nothing in the library changed

    def _one(self, library: Library, photo: str, items: list[int]) -> None:
        self.report.files += 1
        labels = [label for i in items for label in library.labels_for(i)]
        facts = file_facts(labels, (library.texts_for(i) for i in items))
        try:
            doc = read_doc(sidecar_for(photo))
            if doc is None and not (facts.tags or facts.caption or facts.predicted):
                self.report.skipped += 1
                return
            doc = doc or XmpDoc.new()
            merge(doc, facts, predicted=self.predicted)
            mode = os.stat(photo).st_mode & 0o666
            changed = write_atomic(sidecar_for(photo), doc.to_bytes(), mode)
        except (OSError, MmdeskError) as exc:
            self.report.problem(photo, exc)
            return
        self.report.written += changed
        self.report.unchanged += not changed


class ReadKeywordsJob:
    """Read XMP keywords from sidecars and from inside the files, as a person's labels."""

    name = "reading keywords"

    def __init__(self, paths: list[str | Path] | None = None) -> None:
        self.paths = None if paths is None else [os.fspath(p) for p in paths]
        self.report = SidecarReport()

    def run(self, library: Library, state: TaskState) -> Changes:
        start, report = time.monotonic(), self.report
        files = files_of_items(library, None)
        if self.paths is not None:
            files, missing = files_at(library, self.paths)
            for path in missing:
                report.problem(path, "not in the library (index it first)")
        wanted: dict[str, set[int]] = {}
        try:
            for n, (photo, items) in enumerate(files.items()):
                state.checkpoint()
                self._one(library, photo, items, wanted)
                state.report(n + 1, len(files), len(report.problems))
        except CancelledError:
            report.cancelled = True
        changes = Changes()
        for tag, ids in sorted(wanted.items()):
            changes |= library.tag(sorted(ids), tag)
            report.labelled += len(ids)
        report.seconds = time.monotonic() - start
        return changes

    def _one(
        self, library: Library, photo: str, items: list[int], wanted: dict[str, set[int]]
    ) -> None:
        self.report.files += 1
        tags = self._tags(photo)
        self.report.keywords += len(tags)
        for item in items:
            known = {
                label["name"].casefold()
                for label in library.labels_for(item)
                if label_kind(label["source"]) != "predicted"  # a person's yes or no stands
            }
            for tag in tags:
                if tag.casefold() not in known:
                    wanted.setdefault(tag, set()).add(item)

    def _tags(self, photo: str) -> list[str]:
        """Tags from every sidecar of the file and from its embedded packet."""
        tags: list[str] = []
        for source in [*sidecars_of(photo), None]:
            try:
                doc = read_doc(source) if source else embedded_doc(photo)
            except (OSError, MmdeskError) as exc:
                self.report.problem(source or photo, exc)
                continue
            if doc is not None:
                self.report.read += 1
                tags += [t for t in tags_in(doc) if t.casefold() not in map(str.casefold, tags)]
        return tags
