"""The Library's text operations: captions, OCR text, transcripts and notes (a mixin of
:class:`mmdesk.core.library.Library`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mmdesk.store import Store


class TextOps:
    """Texts of items, as the preview shows them."""

    if TYPE_CHECKING:
        store: Store

    def texts_for(self, item_id: int) -> list[dict[str, Any]]:
        """Captions, OCR text, transcripts and notes of an item, oldest first."""
        return self.store.texts_for(item_id)
