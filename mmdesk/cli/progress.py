"""Running a job from the CLI: a progress bar for people, JSON lines for scripts, quiet in logs.

The job is the same one the GUI runs (``mmdesk.core.jobs``); only its progress is shown
differently: a tqdm bar (done/total, rate, ETA) when stderr is a terminal, one JSON object per
line on stderr with ``--json``, and nothing when stderr goes to a file or a pipe (the command
prints its own one-line summary).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mmdesk.core.jobs import Changes, Job
from mmdesk.core.tasks import Progress, TaskState

if TYPE_CHECKING:
    from mmdesk.core.library import Library

JSON_EVERY_S = 0.25  # at most four progress lines a second, plus the last one


def run_with_progress(lib: Library, job: Job, as_json: bool = False) -> Changes:
    """Run ``job`` on ``lib`` showing its progress the way this stderr wants it."""
    if as_json:
        return _run(lib, job, JsonLines(job.name))
    if sys.stderr.isatty():
        return _run(lib, job, Bar(job.name))
    return lib.run(job, TaskState())


class Shower:
    """Shows one job's progress; ``close`` is called once, also when the job fails."""

    def show(self, p: Progress) -> None:
        """Show one progress snapshot."""

    def close(self, last: Progress | None) -> None:
        """Finish the display, given the job's last snapshot."""


def _run(lib: Library, job: Job, shower: Shower) -> Changes:
    state = TaskState(shower.show)
    try:
        return lib.run(job, state)
    finally:
        shower.close(state.last)


class JsonLines(Shower):
    """``{"job", "done", "total", "rate", "eta"}`` per line on stderr; throttled, last always."""

    def __init__(self, job: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.job = job
        self.clock = clock
        self._last_at = -JSON_EVERY_S
        self._last_sent: Progress | None = None

    def show(self, p: Progress) -> None:
        now = self.clock()
        if now - self._last_at >= JSON_EVERY_S or p.done >= p.total:
            self._send(p)
            self._last_at = now

    def close(self, last: Progress | None) -> None:
        if last is not None and last is not self._last_sent:
            self._send(last)

    def _send(self, p: Progress) -> None:
        sys.stderr.write(json.dumps(progress_json(self.job, p)) + "\n")
        sys.stderr.flush()
        self._last_sent = p


def progress_json(job: str, p: Progress) -> dict[str, Any]:
    """The stable JSON form of one progress snapshot."""
    eta = None if p.eta is None else round(p.eta, 1)
    return {"job": job, "done": p.done, "total": p.total, "rate": round(p.rate, 2), "eta": eta}


class Bar(Shower):
    """A tqdm bar on stderr; a new phase of the job (done going back) starts it again."""

    def __init__(self, job: str) -> None:
        self.job = job
        self._bar: Any = None

    def show(self, p: Progress) -> None:
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=p.total, desc=self.job, file=sys.stderr, dynamic_ncols=True)
        bar = self._bar
        if p.done < bar.n:
            bar.reset(total=p.total)
        elif p.total != bar.total:
            bar.total = p.total
        if p.errors:
            bar.set_postfix(errors=p.errors, refresh=False)
        bar.update(p.done - bar.n)

    def close(self, last: Progress | None) -> None:
        if self._bar is not None:
            self._bar.close()
