"""Captioning: the active captioner describes items that lack its caption.

The active captioner is the library setting ``captioner`` (a captioner id), else the default
plugin's label captioner when it is installed, else none. :class:`CaptionJob` is what
``mmdesk caption`` runs; the enricher registered here runs it for new items after each index
run, unless the setting ``captions.new`` is ``off``. Pictures are decoded one batch at a time;
a file that cannot be read is counted as an error and skipped, never the batch.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mmdesk.core.enrich import register
from mmdesk.core.jobs import Changes, Job
from mmdesk.core.tasks import TaskState
from mmdesk.errors import MediaError, PluginError
from mmdesk.plugins.contributions import CAPTIONER

if TYPE_CHECKING:
    from PIL import Image

    from mmdesk.core.library import Library

log = logging.getLogger(__name__)
SETTING = "captioner"
NEW_SETTING = "captions.new"  # "off": indexing leaves new pictures uncaptioned
DEFAULT_CAPTIONER = "default/labels"
BATCH = 8


def active_captioner(library: Library) -> str | None:
    """The captioner id this library uses, or None when none is chosen or installed."""
    installed = library.registry.contributions(CAPTIONER)
    chosen = library.store.get_setting(SETTING)
    if chosen:
        if chosen not in installed:
            raise PluginError(f"captioner {chosen!r} is not installed (setting {SETTING!r})")
        return chosen
    return DEFAULT_CAPTIONER if DEFAULT_CAPTIONER in installed else None


def _open(path: str) -> Image.Image:
    from mmdesk.core.media.image import decode_image

    return decode_image(Path(path).read_bytes(), name=Path(path).name).image


class CaptionJob:
    """Caption ``item_ids`` (None: every image lacking the captioner's caption).

    Args:
        item_ids: The items to caption; None for all that lack it.
        redo: Caption again items the captioner already described (never a person's caption).
        captioner: A captioner id; None for the active one.
    """

    name = "captioning"

    def __init__(
        self,
        item_ids: Iterable[int] | None = None,
        *,
        redo: bool = False,
        captioner: str | None = None,
    ) -> None:
        self.item_ids = None if item_ids is None else list(item_ids)
        self.redo = redo
        self.captioner = captioner
        self.done: list[int] = []
        self.failed: list[tuple[str, str]] = []

    def run(self, library: Library, state: TaskState) -> Changes:
        producer = self.captioner or active_captioner(library)
        if producer is None:
            raise PluginError("no captioner is active or installed: see `mmdesk models list`")
        runtime = library.registry.build(CAPTIONER, producer)
        targets = library.store.caption_targets(producer, self.item_ids, redo=self.redo)
        state.report(0, len(targets))
        for start in range(0, len(targets), BATCH):
            state.checkpoint()
            self._batch(library, runtime, targets[start : start + BATCH], producer)
            state.report(len(self.done) + len(self.failed), len(targets), len(self.failed))
            state.publish(Changes(texts=True))
        return Changes(texts=bool(self.done))

    def _batch(
        self, library: Library, runtime: Any, batch: list[tuple[int, str]], producer: str
    ) -> None:
        images, ids = [], []
        for item_id, path in batch:
            try:
                images.append(_open(path))
                ids.append(item_id)
            except (OSError, MediaError) as exc:
                self.failed.append((path, str(exc)))
        if not images:
            return
        if runtime.spec.label_based:
            read = library.store.ocr_texts(ids)
            captions = runtime.caption(images, [read.get(i, "") for i in ids])
        else:
            captions = runtime.caption(images)
        library.store.write_captions(
            zip(ids, captions, strict=True), producer, runtime.spec.language
        )
        self.done += ids


def _enricher(library: Library) -> Job | None:
    """After an index run: caption the new items when a captioner is active."""
    if library.store.get_setting(NEW_SETTING, "on") == "off":
        return None
    try:
        producer = active_captioner(library)
    except PluginError as exc:
        log.warning("captions skipped: %s", exc)
        return None
    return None if producer is None else CaptionJob(captioner=producer)


register("captions", _enricher)
