"""The Library's text operations: captions, OCR text, transcripts and notes (a mixin of
:class:`mmdesk.core.library.Library`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from mmdesk.core.jobs import Changes
from mmdesk.errors import MmdeskError

if TYPE_CHECKING:
    from mmdesk.core.tasks import TaskState
    from mmdesk.plugins.registry import Registry
    from mmdesk.store import Store


class TextOps:
    """Texts of items, as the preview shows them."""

    if TYPE_CHECKING:
        store: Store
        registry: Registry

        def run(self, job: Any, state: TaskState | None = None) -> Changes: ...

    def texts_for(self, item_id: int) -> list[dict[str, Any]]:
        """Captions, OCR text, transcripts and notes of an item, oldest first.

        Each caption also says ``label_based``: whether its producer guesses from labels, so
        the preview can tell a person how much to trust it.
        """
        guessed = {c["id"] for c in self.captioners() if c["label_based"]}
        texts = self.store.texts_for(item_id)
        for text in texts:
            if text["source"] == "caption":
                text["label_based"] = text.get("producer") in guessed
        return texts

    # OCR ----------------------------------------------------------------------------------
    def read_text(
        self, item_ids: list[int] | None = None, state: TaskState | None = None
    ) -> Changes:
        """Read the text in pictures (OCR): the unread items, or ``item_ids`` again."""
        from mmdesk.core.enrich.ocr import OcrJob

        return self.run(OcrJob(item_ids), state)

    def ocr_enabled(self) -> bool:
        """Whether indexing reads the text in new pictures (the ``ocr`` setting, on by default)."""
        return self.store.get_setting("ocr", "on") != "off"

    def set_ocr_enabled(self, enabled: bool) -> Changes:
        """Turn reading text during indexing on or off (texts already read stay)."""
        self.store.set_setting("ocr", "on" if enabled else "off")
        return Changes()

    def ocr_lines(self, item_id: int) -> list[dict[str, Any]]:
        """The OCR lines of an item, for drawing over the image: ``{"text", "box": four
        [x, y] corners, "score", "size": [w, h] of the picture the box's pixels refer to}``."""
        lines: list[dict[str, Any]] = []
        for text in self.store.texts_for(item_id):
            meta = text.get("meta") or {}
            if text["source"] == "ocr" and meta.get("lines"):
                lines += [{**line, "size": meta.get("size")} for line in meta["lines"]]
        return lines

    def ocr_texts(self, item_ids: Iterable[int] | None = None) -> dict[int, str]:
        """item id -> the text read in it, for the items (None: all) that have some."""
        return self.store.ocr_texts(None if item_ids is None else list(item_ids))

    # captions -----------------------------------------------------------------------------
    def caption(
        self, item_ids: Iterable[int] | None = None, *, redo: bool = False, state: Any = None
    ) -> Changes:
        """Caption items (None: all lacking the active captioner's caption) with its job."""
        from mmdesk.core.enrich.captions import CaptionJob

        return self.run(CaptionJob(item_ids, redo=redo), state)

    def set_caption(self, item_id: int, text: str) -> Changes:
        """A person's caption (producer 'user'): shown first, never overwritten by captioners."""
        from mmdesk.store.captions import USER

        if not text.strip():
            raise MmdeskError("a caption needs some words")
        self.store.write_captions([(item_id, text.strip())], USER, "")
        return Changes(texts=True)

    def captions_for(self, item_ids: Iterable[int] | None) -> dict[int, dict[str, str]]:
        """item id -> ``{"caption", "producer"}``: the caption each item shows (None: all)."""
        shown = self.store.shown_captions(None if item_ids is None else list(item_ids))
        return {i: {"caption": t, "producer": p} for i, (t, p) in shown.items()}

    def active_captioner(self) -> str | None:
        """The captioner new items are described with (None: none active)."""
        from mmdesk.core.enrich.captions import active_captioner

        return active_captioner(self)  # type: ignore[arg-type]

    def chosen_captioner(self) -> str | None:
        """The captioner a person chose (the ``captioner`` setting); None: the default one."""
        from mmdesk.core.enrich.captions import SETTING

        return self.store.get_setting(SETTING)

    def captioners(self) -> list[dict[str, Any]]:
        """Installed captioners, by id: ``{"id", "plugin", "language", "label_based"}``.

        ``label_based`` comes from the manifest, so front ends can mark guessed captions
        without loading the model.
        """
        from mmdesk.plugins.contributions import CAPTIONER

        specs = self.registry.contributions(CAPTIONER)
        return [
            {
                "id": cid,
                "plugin": spec.plugin_id,
                "language": spec.language,
                "label_based": spec.label_based,
            }
            for cid, spec in sorted(specs.items())
        ]

    def set_captioner(self, captioner_id: str | None) -> Changes:
        """Choose the captioner for new captions (None: back to the default one).

        Captions already written stay; ``caption(redo=True)`` rewrites them with the new one.
        """
        from mmdesk.core.enrich.captions import SETTING

        if captioner_id is not None and captioner_id not in {c["id"] for c in self.captioners()}:
            raise MmdeskError(
                f"captioner {captioner_id!r} is not installed: see `mmdesk captioners`"
            )
        self.store.set_setting(SETTING, captioner_id)
        return Changes()

    def caption_new_enabled(self) -> bool:
        """Whether indexing captions new pictures (the ``captions.new`` setting, on by default)."""
        from mmdesk.core.enrich.captions import NEW_SETTING

        return self.store.get_setting(NEW_SETTING, "on") != "off"

    def set_caption_new_enabled(self, enabled: bool) -> Changes:
        """Turn captioning during indexing on or off (captions already written stay)."""
        from mmdesk.core.enrich.captions import NEW_SETTING

        self.store.set_setting(NEW_SETTING, "on" if enabled else "off")
        return Changes()
