"""The library facade: the one API the CLI and the GUI call.

It joins settings, the store, the plugin registry and search. Reads return plain data; every
write returns :class:`~mmdesk.core.jobs.Changes`; long work runs as a job. Front ends never
reach past it into the store or write SQL.
"""

from __future__ import annotations

import dataclasses
import math
import time
from pathlib import Path
from typing import Any

from mmdesk.config import Settings
from mmdesk.core.enrich.ops import TextOps
from mmdesk.core.faces.ops import PeopleOps
from mmdesk.core.jobs import Changes, Job, run_job
from mmdesk.core.library_settings import get_setting, set_setting
from mmdesk.core.orientation import OrientationOps
from mmdesk.core.paths import canonical, lookup_forms
from mmdesk.core.search import Filters, HybridSearcher, Result, Searcher, Weights
from mmdesk.core.search.calibration import Verdict, judge
from mmdesk.core.search.vector import SoundSearcher
from mmdesk.core.sidecars.ops import SidecarOps
from mmdesk.core.tagging.ops import TaggingOps
from mmdesk.core.tasks import TaskState
from mmdesk.errors import MmdeskError
from mmdesk.kinds import SPACE_MODALITIES, Modality, file_kind
from mmdesk.plugins.discovery import Discovered
from mmdesk.plugins.registry import Registry, Space
from mmdesk.store import Store
from mmdesk.store.backup import BackupInfo, list_backups, make_backup, maybe_daily_backup
from mmdesk.store.lock import lock_holder

BACKUP_CHECK_S = 3600.0  # how often a long-lived library looks whether a day has passed


class Library(TaggingOps, TextOps, SidecarOps, PeopleOps, OrientationOps):
    """One person's library in one thread. Open another for another thread."""

    def __init__(
        self,
        settings: Settings | None = None,
        registry: Registry | None = None,
        *,
        one_shot: bool = False,
    ) -> None:
        """``one_shot``: opened by a process that answers one read and ends (a CLI query):
        the store opens read-only without its integrity check (``Store``'s ``one_shot``)."""
        self.settings = settings or Settings()
        self.store = Store(
            self.settings.db_path, backups_dir=self.settings.backups_dir, one_shot=one_shot
        )
        self.registry = registry or Registry(self.settings)
        self._searcher: Searcher | None = None
        self._sound: SoundSearcher | None = None
        self.last_verdict: Verdict | None = None  # why the last search showed nothing
        self._hybrid: HybridSearcher | None = None
        self._next_backup_check = 0.0  # monotonic: the desktop app stays open for days
        self._removed_folders = False  # an undoable removal waits for purge_removed()

    def close(self) -> None:
        for searcher in (self._searcher, self._sound):
            if searcher is not None:
                searcher.close()  # stops a background index build; it resumes next time
        try:
            if self._removed_folders:
                self.purge_removed()  # no undo outlives the library that could undo it
        finally:
            self.store.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # models -------------------------------------------------------------------------------
    def space(self, modality: Modality = "image") -> Space:
        """The active space of a modality: the person's choice, else the default."""
        return self.registry.space_for(modality, self.store.get_setting(f"space.{modality}"))

    def remember_space(self, modality: Modality = "image") -> Space:
        """The active space, saved as the person's choice if it was picked by default, so that
        installing another model later never changes which one a library uses."""
        space = self.space(modality)
        if self.store.get_setting(f"space.{modality}") != space.id:
            self.store.set_setting(f"space.{modality}", space.id)
        return space

    def pending_space(self, modality: Modality = "image") -> Space | None:
        """The space being switched to, while its index is still incomplete."""
        wanted = self.store.get_setting(f"pending_space.{modality}")
        if not wanted:
            return None
        try:
            return self.registry.space_for(modality, wanted)
        except MmdeskError:
            return None

    def use_space(self, space_id: str, modality: Modality = "image") -> Changes:
        """Switch model. Done at once when its index is complete; otherwise pending: the next
        index run builds the new vectors while search keeps the old space, and completes the
        switch at its end. Nothing is deleted: vectors stay stored per encoder."""
        if not space_id.strip():
            raise MmdeskError("name a model (space) to use: see `mmdesk models list`")
        space = self.registry.space_for(modality, space_id)
        if self.coverage(space, modality) >= 1.0:
            self.store.set_setting(f"space.{modality}", space.id)
            self.store.set_setting(f"pending_space.{modality}", None)
        else:
            self.store.set_setting(f"pending_space.{modality}", space.id)
        return Changes(spaces=True, items=True)

    def coverage(self, space: Space, modality: Modality = "image") -> float:
        """Share of the library's present items that have vectors in ``space``."""
        have, total = self.store.coverage(space.encoder_ids(modality), modality)
        return have / total if total else 1.0

    def spaces(self) -> dict[str, Space]:
        return self.registry.spaces()

    def plugins(self) -> list[Discovered]:
        return self.registry.discovered()

    def remove_space_vectors(self, space: Space) -> Changes:
        """Forget a model's vectors (the plugin folder is the caller's to delete)."""
        for modality in SPACE_MODALITIES:
            if self.store.get_setting(f"pending_space.{modality}") == space.id:
                self.store.set_setting(f"pending_space.{modality}", None)
        self.store.delete_embeddings(space.encoder_ids())
        return Changes(spaces=True, items=True)

    # reading ------------------------------------------------------------------------------
    def searcher(self) -> Searcher:
        space = self.space()
        if self._searcher is None or self._searcher.space.id != space.id:
            self._searcher = Searcher(self.store, self.registry, space)
        return self._searcher

    def sound_searcher(self) -> SoundSearcher | None:
        """The sound space's searcher, or None when no sound model is installed."""
        try:
            space = self.space("audio")
        except MmdeskError:
            return None
        if self._sound is None or self._sound.space.id != space.id:
            self._sound = SoundSearcher(self.store, self.registry, space)
        return self._sound

    def hybrid(self) -> HybridSearcher:
        """The searcher that fuses the visual space, the texts' vectors and their keywords."""
        visual = self.searcher()
        try:
            text = self.space("text").encoders["text"]
        except MmdeskError:
            text = None
        weights = Weights.from_json(self.store.get_setting("search.weights"))
        hybrid = self._hybrid
        sound = self.sound_searcher()
        if (
            hybrid is None
            or hybrid.visual is not visual
            or hybrid.text_encoder != text
            or hybrid.sound is not (sound if sound is not None and sound.embeds_text else None)
        ):
            hybrid = self._hybrid = HybridSearcher(visual, text, weights, sound)
        hybrid.weights = weights
        return hybrid

    def search(
        self, text: str, filters: Filters | None = None, *, min_score: float | None = None
    ) -> list[Result]:
        """Every signal of the query (see ``docs``: query syntax) fused; results say why.

        With no minimum score (neither ``min_score`` nor ``filters.min_score``), a query whose
        best result is no better than what made-up words reach in this library gets no
        results, and :attr:`last_verdict` says why (see :mod:`core.search.calibration`);
        ``min_score=0`` shows the weak matches anyway."""
        wanted = filters or Filters()
        if min_score is not None:
            wanted = dataclasses.replace(wanted, min_score=min_score)
        results = self.hybrid().search(text, wanted)
        self.last_verdict = None
        scores = [r.score for r in results if not math.isnan(r.score)]
        if wanted.min_score is None and scores:
            best = max(scores)
            self.last_verdict = judge(self, text, best)
            if not self.last_verdict.ok and wanted.narrows:
                # The verdict is on the words, in the whole library: within a folder or a
                # tag, a meaningful query ranks what is there, however weak (searched again
                # without the filters only when the filtered best fell short).
                everywhere = self.hybrid().search(text, Filters(limit=1))
                best = max([best, *(r.score for r in everywhere if not math.isnan(r.score))])
                self.last_verdict = judge(self, text, best)
            if not self.last_verdict.ok:
                return []
        return results

    def similar(self, target: str | int, filters: Filters | None = None) -> list[Result]:
        """'More like this': a picture (photo, video moment) by the image space, a sound (an
        audio item, or any audio file on disk) by the sound space."""
        if self._is_sound(target):
            sound = self.sound_searcher()
            if sound is None:
                raise MmdeskError(
                    "no sound model is installed: `mmdesk models build-default` builds one"
                )
            return sound.similar(target, filters)
        return self.searcher().similar(target, filters)

    def _is_sound(self, target: str | int) -> bool:
        if isinstance(target, int) or str(target).isdigit():
            info = self.store.items_info([int(target)]).get(int(target))
            return bool(info and info["kind"] == "audio_segment")
        return file_kind(str(target)) == "audio"

    def browse(self, filters: Filters | None = None) -> list[Result]:
        """Everything indexed that passes the filters, newest first (the view with no query)."""
        filters = filters or Filters()
        rows = self.store.browse(filters.item_filter(), filters.limit)
        return [Result.from_row(row) for row in rows]

    def status(self) -> dict[str, Any]:
        counts = self.store.counts()
        spaces: dict[str, str | None] = {}
        for modality in SPACE_MODALITIES:
            try:
                spaces[modality] = self.space(modality).id
            except MmdeskError:
                spaces[modality] = None
        pending = self.pending_space()
        counts.update(
            space=spaces["image"],
            spaces=spaces,
            pending_space=pending.id if pending else None,
            database=str(self.settings.db_path),
            data_dir=str(self.settings.data_dir),
        )
        return counts

    def folders(self) -> list[dict[str, Any]]:
        """Library folders with counts and state; a folder left "scanning" by a killed run
        reads "interrupted" at once (not only after the next run), since no one indexes it."""
        folders = self.store.folders()
        if (
            any(f["state"] == "scanning" for f in folders)
            and lock_holder(self.settings.db_path) is None
        ):
            for folder in folders:
                if folder["state"] == "scanning":
                    folder["state"] = "interrupted"
        return folders

    def library_roots(self) -> list[Path]:
        return [Path(f["path"]) for f in self.store.folders()]

    def items_by_kind(self) -> dict[str, int]:
        """Present items per item kind (image, video_frame, audio_segment), for counts."""
        return self.store.items_by_kind()

    def items_by_file_kind(self) -> dict[str, int]:
        """Present items per file kind (image, video, audio): the values the kind filter
        takes, for the sidebar."""
        return self.store.items_by_file_kind()

    def errors(self, limit: int = 100) -> list[tuple[str, str]]:
        return self.store.errors(limit)

    def items_info(self, item_ids: list[int]) -> dict[int, dict[str, Any]]:
        return self.store.items_info(item_ids)

    def item_for_path(self, path: str | Path) -> int | None:
        """The item of a library file, found by its canonical (or plain absolute) path."""
        for form in lookup_forms(path):
            item = self.store.item_for_path(form)
            if item is not None:
                return item
        return None

    def providers(self, space: Space) -> dict[str, str | None]:
        """Encoder id -> the ONNX Runtime provider it really runs on (None until loaded)."""
        return {
            spec.id: self.registry.encoder(spec.id).provider for spec in space.encoders.values()
        }

    def set_runtime(self, device: str, threads: int, *, spinning: bool = True) -> None:
        """Where and how models run from now on; loaded models reload on next use."""
        from mmdesk.plugins.session import SessionOptions

        self.registry.options = SessionOptions(
            device, threads, spinning=spinning, cache_dir=self.settings.cache_dir
        )
        self.registry.refresh()
        self._searcher = self._hybrid = None

    def setting(self, key: str) -> str:
        """A library setting (see :mod:`core.library_settings`), its default when unset."""
        return get_setting(self.store, key)

    def set_setting(self, key: str, value: str | None) -> Changes:
        """Set (None: reset) a library setting, checked; applies to work from now on."""
        set_setting(self.store, key, value)
        return Changes()

    def transcript(self, path: str | Path) -> list[dict[str, Any]]:
        """A sound's or a video's transcript: ``[{"start", "end", "text", "item_id"}]`` in
        time order (empty when it has none)."""
        file_id = next(
            (row.id for f in lookup_forms(str(path)) if (row := self.store.file_by_path(f))),
            None,
        )
        return [] if file_id is None else self.store.transcript_of(file_id)

    # writing ------------------------------------------------------------------------------
    def daily_backup(self) -> Path | None:
        """Keep the rolling backup of what cannot be recomputed (tags, labels, notes): taken
        before the first write of a day, at most once a day, never by a read-only library."""
        now = time.monotonic()
        if now < self._next_backup_check or self.store.read_only:
            return None
        self._next_backup_check = now + BACKUP_CHECK_S
        return maybe_daily_backup(self.store, self.settings.backups_dir)

    def backups(self) -> list[BackupInfo]:
        return list_backups(self.settings.backups_dir)

    def backup_now(self, reason: str = "manual") -> Path:
        return make_backup(self.store, self.settings.backups_dir, reason)

    def add_folder(self, path: str | Path) -> Changes:
        self.daily_backup()
        self.store.add_folder(canonical(path))
        return Changes(folders=True)

    def remove_folder(self, path: str | Path, *, undoable: bool = False) -> Changes:
        """Forget a library folder and everything indexed under it (files stay on disk).
        ``undoable``: its items only leave the library, to come back by
        :meth:`restore_folder`, until :meth:`purge_removed` (at :meth:`close` at the latest)."""
        self.daily_backup()
        if undoable:
            self.store.soft_remove_folder(canonical(path))
            self._removed_folders = True
        else:
            self.store.remove_folder(canonical(path))
        return Changes(folders=True, removed=True, files=True, tags=True)

    def restore_folder(self, path: str | Path) -> Changes:
        """Undo an undoable :meth:`remove_folder`: the folder and its items, tags and all,
        are back as they were."""
        self.store.restore_folder(canonical(path))
        return Changes(folders=True, files=True, items=True, tags=True)

    def purge_removed(self) -> Changes:
        """Delete what undoable removals left for good (their items, vectors and labels)."""
        self._removed_folders = False
        if not self.store.purge_removed():
            return Changes()
        return Changes(folders=True, removed=True, files=True, tags=True)

    # jobs ---------------------------------------------------------------------------------
    def run(self, job: Job, state: TaskState | None = None) -> Changes:
        return run_job(self, job, state)

    def index(
        self,
        roots: list[Path] | None = None,
        state: TaskState | None = None,
        *,
        retry_failed: bool = False,
    ) -> Any:
        """Index ``roots`` (default: every library folder); returns the IndexReport."""
        from mmdesk.core.indexing import IndexJob

        job = IndexJob(roots, retry_failed=retry_failed)
        self.run(job, state)
        return job.report

    def problem_files(self, limit: int = 1000) -> list[dict[str, Any]]:
        """Files that could not be read, with why and when (the GUI's problems view):
        ``{"path", "error", "error_kind", "added_at", "mtime_ns"}`` each, by path."""
        return self.store.problem_files(limit)

    # browsing facets ------------------------------------------------------------------------
    def folder_counts(self) -> dict[str, int]:
        """Items under each library folder and each subfolder holding any, by path: the
        sidebar's folder tree, each count what filtering on that folder shows."""
        return self.store.folder_counts()

    def cameras(self) -> list[tuple[str, int]]:
        """(camera, items taken with it), most used first: the camera filter's choices."""
        return self.store.cameras()

    # browsing every item, a page at a time --------------------------------------------------
    def browse_page(self, filters: Filters | None, offset: int, limit: int) -> list[Result]:
        """``limit`` items of :meth:`browse` from ``offset`` on (in the same order), so a
        front end can show all of them a page at a time."""
        wanted = (filters or Filters()).item_filter()
        return [Result.from_row(row) for row in self.store.browse(wanted, limit, offset)]

    def count(self, filters: Filters | None = None) -> int:
        """How many items pass the filters: the "of M" of what browsing shows."""
        return self.store.count((filters or Filters()).item_filter())

    def date_histogram(
        self, filters: Filters | None = None, period: str = "month"
    ) -> list[tuple[str, int]]:
        """(month "2024-03", or day "2024-03-02" with ``period="day"``; items) of what browsing
        the filters shows, in its order: a timeline's groups, and where each one starts."""
        return self.store.date_histogram((filters or Filters()).item_filter(), period)
