"""Planning an index run: what is on disk, what the store knows, and what each file lacks.

Incremental by (size, mtime): an unchanged file that has vectors from every wanted encoder is
skipped; a changed or new file needs every encoder; an unchanged file needs only the encoders
it has no vectors from yet (a model switch). A file that failed is retried when it changed,
when its failure came from the environment (permission, I/O, vanished), or when asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mmdesk.core.indexing.scan import Candidate, scan, skipped
from mmdesk.kinds import INDEXED_FILE_KINDS
from mmdesk.store import FileRow, Store


@dataclass(frozen=True)
class Work:
    """A file to index and the encoders it still lacks."""

    candidate: Candidate
    encoders: tuple[str, ...]


@dataclass
class Plan:
    """The files that need work, what the store knew under the roots, and what was seen."""

    todo: list[Work] = field(default_factory=list)
    known: dict[str, FileRow] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)
    found: int = 0
    skipped: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)

    def vanished(self) -> list[str]:
        """Known paths under the roots that the scan did not meet (moved or deleted)."""
        return [
            p for p, row in self.known.items() if p not in self.seen and row.status != "missing"
        ]


def make_plan(
    store: Store,
    roots: list[str],
    encoder_ids: list[str],
    *,
    exclude: list[str],
    retry_failed: bool = False,
) -> Plan:
    """Scan ``roots`` and diff against the store."""
    plan = Plan()
    for root in roots:  # what the scan skips there is not missing (it may be another root's)
        known = store.files_snapshot(root).items()
        plan.known.update((p, row) for p, row in known if not skipped(p, root, exclude))
    complete = {e: store.complete_files(e) for e in encoder_ids}
    for candidate in scan(
        roots,
        kinds=INDEXED_FILE_KINDS,
        exclude=exclude,
        on_problem=lambda p, why: plan.problems.append((p, why)),
    ):
        plan.found += 1
        plan.seen.add(candidate.path)
        row = plan.known.get(candidate.path)
        lacking = lacking_encoders(row, candidate, complete, retry_failed)
        if lacking:
            plan.todo.append(Work(candidate, tuple(lacking)))
        else:
            plan.skipped += 1
    return plan


def lacking_encoders(
    row: FileRow | None,
    candidate: Candidate,
    complete: dict[str, set[int]],
    retry_failed: bool = False,
) -> list[str]:
    """The encoders a file still needs (see the module docstring for the rules)."""
    if row is None or (row.size, row.mtime_ns) != (candidate.size, candidate.mtime_ns):
        return list(complete)
    if row.status == "error":
        retry = retry_failed or getattr(row, "error_kind", None) == "environment"
        return list(complete) if retry else []
    return [e for e, ids in complete.items() if row.status != "indexed" or row.id not in ids]
