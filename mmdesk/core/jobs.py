"""Long work as jobs that say what they changed.

A job is a plain object with ``run(library, state) -> Changes`` (Orange3's ``run(data, state)``;
Anki's operations returning ``OpChanges``). The CLI runs a job with a progress bar, the GUI runs
the same job on its writer thread, and every view decides from the :class:`Changes` whether to
refresh — views never call each other's refresh by hand. Short writes (tagging, adding a folder)
return Changes too, so one hook serves everything. While a long job runs it publishes partial
Changes through ``state.publish`` so views follow along.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Protocol

from mmdesk.core.tasks import TaskState

if TYPE_CHECKING:
    from mmdesk.core.library import Library


@dataclass
class Changes:
    """What a job or a write changed. Empty means nothing a view shows changed."""

    files: bool = False  # files added, changed, moved, failed or marked missing
    items: bool = False  # items added or (re-)embedded: search results may differ
    removed: bool = False  # items left the library (folder removed, files vanished)
    texts: bool = False  # captions, OCR text, transcripts or notes
    labels: set[int] = field(default_factory=set)  # items whose tags changed
    tags: bool = False  # tag names or their counts changed
    folders: bool = False  # library folders added, removed or re-scanned
    spaces: bool = False  # the active or pending model of a modality changed

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            **{f.name: (getattr(self, f.name) | getattr(other, f.name)) for f in fields(self)}
        )

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    @property
    def results(self) -> bool:
        """Whether what a search or a browse returns may have changed."""
        return bool(self.items or self.removed or self.files or self.labels or self.spaces)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        out["labels"] = sorted(self.labels)
        return out


class Job(Protocol):
    """Long work. ``name`` is shown beside its progress ("indexing", "switching model")."""

    name: str

    def run(self, library: Library, state: TaskState) -> Changes:
        """Do the work, reporting progress and honouring pause/cancel through ``state``."""
        ...


def run_job(library: Library, job: Job, state: TaskState | None = None) -> Changes:
    """Run ``job`` on ``library``; the one place front ends start long work."""
    state = state or TaskState()
    outer, state.job = state.job, job.name
    state.restart_clock()  # rate and ETA are per job
    try:
        return job.run(library, state)
    finally:
        state.job = outer
