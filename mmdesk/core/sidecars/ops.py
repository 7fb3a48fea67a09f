"""The Library's sidecar operations (a mixin of :class:`mmdesk.core.library.Library`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TextIO, cast

from mmdesk.core.jobs import Changes
from mmdesk.core.sidecars.jobs import ReadKeywordsJob, WriteSidecarsJob
from mmdesk.core.sidecars.selection import SidecarReport, files_at
from mmdesk.core.sidecars.table import Format, What, rows, write_table
from mmdesk.core.tasks import TaskState

if TYPE_CHECKING:
    from mmdesk.core.jobs import Job
    from mmdesk.core.library import Library


class SidecarOps:
    """Tags and captions out to XMP sidecars and tables, and XMP keywords back in."""

    if TYPE_CHECKING:

        def run(self, job: Job, state: TaskState | None = None) -> Changes: ...

    def write_sidecars(
        self,
        item_ids: list[int] | None = None,
        *,
        predicted: bool = False,
        state: TaskState | None = None,
    ) -> SidecarReport:
        """Write ``<file>.xmp`` beside the files of ``item_ids`` (None: every file), merged
        into what is there; ``predicted`` also puts predicted tags among the keywords."""
        job = WriteSidecarsJob(item_ids, predicted=predicted)
        self.run(job, state)
        return job.report

    def read_keywords(
        self, paths: list[str | Path] | None = None, state: TaskState | None = None
    ) -> tuple[SidecarReport, Changes]:
        """Add the XMP keywords of files (in sidecars or embedded) as a person's labels;
        ``paths`` are files or folders of the library (None: every file)."""
        job = ReadKeywordsJob(paths)
        changes = self.run(job, state)
        return job.report, changes

    def items_at(self, paths: list[str | Path]) -> tuple[list[int], list[str]]:
        """The items of the library files at or under ``paths`` (files or folders), and the
        paths that hold none, for front ends to name."""
        files, missing = files_at(cast("Library", self), paths)
        return sorted({i for ids in files.values() for i in ids}), missing

    def export_table(self, kind: What, fmt: Format, out: TextIO) -> int:
        """Write labels, captions, texts (or ``all``) as CSV or JSON; returns the row count."""
        return write_table(rows(cast("Library", self), kind), fmt, out)
