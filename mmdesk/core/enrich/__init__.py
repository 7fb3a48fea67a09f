"""Enrichment: work that runs over indexed items after their vectors exist.

Captioning, OCR, transcription and tag prediction each find the items that lack their output
(keyed by producer) and fill it in. Each is a :class:`~mmdesk.core.jobs.Job` on its own (the
CLI's ``caption``, ``train`` ... commands run them directly) and also an *enricher*: a factory
registered here that :class:`~mmdesk.core.indexing.IndexJob` asks, after every index run, for
the job that brings new items up to date (None when it has nothing to do, e.g. no captioner is
active). A new kind of enrichment is a module in this package that calls :func:`register`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mmdesk.core.jobs import Changes, Job, run_job
from mmdesk.core.tasks import TaskState
from mmdesk.errors import MmdeskError

if TYPE_CHECKING:
    from mmdesk.core.library import Library

Enricher = Callable[["Library"], Job | None]
_ENRICHERS: dict[str, Enricher] = {}


def register(name: str, enricher: Enricher) -> None:
    """Add (or replace) the enricher called ``name``; runs in registration order."""
    _ENRICHERS[name] = enricher


def enrichers() -> dict[str, Enricher]:
    _load_builtins()
    return dict(_ENRICHERS)


def chosen(library: Library, kind: Any, setting: str) -> str | None:
    """The contribution of ``kind`` in use: the one the library's ``setting`` names (an
    error when it is not installed), else the first installed one, else None."""
    installed = sorted(library.registry.contributions(kind))
    wanted = library.store.get_setting(setting)
    if wanted:
        if wanted not in installed:
            raise MmdeskError(f"{kind.name} {wanted!r} is not installed ({installed or 'none'})")
        return str(wanted)
    return installed[0] if installed else None


def run_enrichers(library: Library, state: TaskState) -> Changes:
    """Run every enricher's job for the items that lack its output."""
    changes = Changes()
    for enricher in enrichers().values():
        state.checkpoint()
        job = enricher(library)
        if job is not None:
            changes |= run_job(library, job, state)
    return changes


def _load_builtins() -> None:
    """Import the built-in enrichment modules (each registers itself)."""
    import importlib

    for module in BUILTIN_MODULES:
        importlib.import_module(module)


# Modules that register enrichers, in the order they should run (captions before the tag
# classifier, which may use caption embeddings).
BUILTIN_MODULES: list[str] = [
    "mmdesk.core.enrich.ocr",  # first: captions may use the text found in a picture
    "mmdesk.core.enrich.captions",  # after OCR: the label captioner words the text read
    "mmdesk.core.enrich.transcripts",  # speech in sounds, a segment item per stretch said
    "mmdesk.core.faces.enrich",  # faces and people, before the tag classifier uses them
    "mmdesk.core.enrich.text_vectors",  # embeds every text the others wrote
    "mmdesk.core.tagging.predict",  # last: a tag classifier may use any of the above
]
