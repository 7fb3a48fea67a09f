"""Indexing and model switching as jobs (see :mod:`mmdesk.core.jobs`)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from mmdesk.core.enrich import run_enrichers
from mmdesk.core.indexing.pipeline import Pipeline
from mmdesk.core.indexing.plan import Plan, make_plan
from mmdesk.core.indexing.prepare import IndexEncoder
from mmdesk.core.indexing.report import IndexReport
from mmdesk.core.indexing.scan import own_folders
from mmdesk.core.jobs import Changes
from mmdesk.core.media import Decoder
from mmdesk.core.paths import canonical, is_under
from mmdesk.core.tasks import TaskState
from mmdesk.core.thumbnails import thumbs_dir
from mmdesk.errors import CancelledError, MmdeskError
from mmdesk.kinds import Modality
from mmdesk.store import Store
from mmdesk.store.lock import library_lock

if TYPE_CHECKING:
    from mmdesk.core.library import Library


class IndexJob:
    """Index folders or files (default: every library folder) for the active image space and,
    during a model switch, the pending one; completes the switch when the new index is whole.
    One index run per library at a time (a lock beside the database)."""

    name = "indexing"

    def __init__(
        self, roots: list[Path] | list[str] | None = None, *, retry_failed: bool = False
    ) -> None:
        self.roots = roots
        self.retry_failed = retry_failed
        self.report = IndexReport()

    def run(self, library: Library, state: TaskState) -> Changes:
        roots = self._roots(library)
        library.store.reset_stale_states()  # left "scanning" by a killed run (lock free)
        with library_lock(library.settings.db_path, purpose="indexing"):
            library.daily_backup()
            encoders = _encoders(library)
            self.report = index_paths(
                library.store,
                roots,
                encoders,
                state=state,
                batch_size=library.settings.batch_size,
                workers=max(2, min(4, library.settings.threads or 2)),
                exclude=_own_folders(library),
                retry_failed=self.retry_failed,
                decoders=decoders_for(library),
                thumbnails=thumbs_dir(library.settings.cache_dir),
                decode_processes=library.registry.options.decode_processes,
            )
            changes = Changes(files=True, items=True, folders=True)
            changes.removed = bool(self.report.missing)
            if not self.report.cancelled:
                changes |= run_enrichers(library, state)  # captions, OCR, predicted tags
        pending = library.pending_space()
        if pending and not self.report.cancelled:
            changes |= library.use_space(pending.id)  # switches only if now whole
        return changes

    def _roots(self, library: Library) -> list[str]:
        if self.roots is None:
            roots = [str(r) for r in library.library_roots()]
            if not roots:
                raise MmdeskError("no library folders yet: mmdesk index PATH")
            return roots
        out = []
        folders = {str(r) for r in library.library_roots()}
        for root in self.roots:
            path = canonical(root)
            if not os.path.exists(path) and path not in folders:  # a folder away: offline
                raise MmdeskError(f"{root} does not exist")
            out.append(path)
        return out


class SwitchSpaceJob:
    """Switch the model of a modality: build its index, keep searching with the old one until
    the new index is whole, then switch."""

    name = "switching model"

    def __init__(self, space_id: str, modality: Modality = "image") -> None:
        self.space_id, self.modality = space_id, modality
        self.report = IndexReport()
        self.done = False

    def run(self, library: Library, state: TaskState) -> Changes:
        changes = library.use_space(self.space_id, self.modality)
        if library.pending_space(self.modality) is not None and library.library_roots():
            index = IndexJob()
            changes |= index.run(library, state)
            self.report = index.report
        self.done = library.pending_space(self.modality) is None
        return changes


def _encoders(library: Library) -> list[IndexEncoder]:
    """The image encoders of the active (and pending) image space, and the audio encoders
    of the active (and pending) sound space when one is installed."""
    ids = _space_encoders(library, "image", required=True)
    ids += _space_encoders(library, "audio", required=False)
    return [library.registry.encoder(i) for i in dict.fromkeys(ids)]


def _space_encoders(library: Library, modality: Modality, *, required: bool) -> list[str]:
    try:
        spaces = [library.remember_space(modality)]
    except MmdeskError:
        if required:
            raise
        return []  # no sound model installed: sounds are indexed for their words only
    pending = library.pending_space(modality)
    if pending and pending.id != spaces[0].id:
        spaces.append(pending)
    return [i for s in spaces for i in s.encoder_ids(modality)]


# Library settings of video sampling (seconds; 0..1), read at the start of each index run.
VIDEO_SETTINGS = {"video.max_gap": "max_gap_s", "video.sensitivity": "sensitivity"}


def decoders_for(library: Library) -> dict[str, Decoder]:
    """The decoders of an index run: the video decoder samples frames as the library's
    settings say (``video.max_gap``, ``video.sensitivity``)."""
    from mmdesk.core.media.video import Sampling, VideoDecoder

    options: dict[str, float] = {}
    for key, field_name in VIDEO_SETTINGS.items():
        value = library.store.get_setting(key)
        if value not in (None, ""):
            try:
                options[field_name] = float(value)
            except ValueError:
                raise MmdeskError(f"setting {key}={value!r} is not a number") from None
    if not options:
        return {}
    return {"video": VideoDecoder(Sampling(**options))}  # type: ignore[arg-type]


def _own_folders(library: Library) -> list[str]:
    """mmdesk's own folders (the data folder, thumbnail cache, plugins, backups), never
    indexed even inside a library folder; a library folder inside the data folder (the sample
    library) is still indexed (scan.skipped)."""
    return own_folders(library.settings)


def index_paths(
    store: Store,
    roots: list[str],
    encoders: list[IndexEncoder],
    *,
    state: TaskState | None = None,
    batch_size: int = 32,
    workers: int = 2,
    exclude: list[str] | None = None,
    retry_failed: bool = False,
    decoders: dict[str, Decoder] | None = None,
    thumbnails: Path | None = None,
    decode_processes: bool = False,
) -> IndexReport:
    """Index media under canonical ``roots`` with every encoder in ``encoders`` (photos'
    grid thumbnails saved under ``thumbnails``, if given)."""
    state = state or TaskState()
    started = time.monotonic()
    report = IndexReport()
    away = store.offline_folders()  # a drive unplugged: its files stay as they are
    states = store.folder_states()
    for fid in (f for f in away if states.get(f) != "offline"):
        store.set_folder_state(fid, "offline")
    roots = [r for r in roots if not any(is_under(r, f) for f in away.values())]
    folder_ids = [store.add_folder(r) for r in roots if os.path.isdir(r)]
    for fid in folder_ids:
        store.set_folder_state(fid, "scanning")
    for encoder in encoders:
        spec = encoder.spec
        with store.transaction():
            store.ensure_encoder(
                spec.id,
                space=spec.space,
                modality=spec.modality,
                dim=spec.dim,
                plugin=spec.plugin_id,
                version=spec.plugin_version,
            )
    ids = [e.spec.id for e in encoders]
    plan = make_plan(store, roots, ids, exclude=exclude or [], retry_failed=retry_failed)
    report.found, report.skipped, report.problems = plan.found, plan.skipped, plan.problems
    state.restart_clock()
    state.report(0, len(plan.todo), message="indexing")
    pipeline = Pipeline(
        store,
        plan,
        encoders,
        state,
        report,
        batch_size,
        workers,
        moves_possible=_moves_possible(store, plan),
        explicit_files={r for r in roots if os.path.isfile(r)},
        decoders=decoders or {},
        thumbnails=thumbnails,
        processes=decode_processes,
    )
    try:
        pipeline.run()
    except CancelledError:
        report.cancelled = True
    if not report.cancelled:
        gone = [p for p in plan.vanished() if not any(is_under(p, f) for f in away.values())]
        report.missing = store.mark_missing(gone)
    for fid in folder_ids:
        store.set_folder_state(fid, "cancelled" if report.cancelled else "indexed")
    report.seconds = time.monotonic() - started
    return report


def _moves_possible(store: Store, plan: Plan) -> bool:
    """Whether some known file's path may be gone, so a new path may be a moved file (then
    new paths are hashed before decoding). A re-scan that only finds new files, or a first
    index, skips that extra read."""
    counts = store.counts()
    total = sum(int(counts.get(k, 0)) for k in ("files", "errors", "missing", "pending"))
    return bool(plan.vanished()) or bool(counts.get("missing")) or total > len(plan.known)
