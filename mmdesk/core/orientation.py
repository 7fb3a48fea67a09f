"""The Library's rotation overrides (a mixin of :class:`mmdesk.core.library.Library`).

A photo that shows sideways is turned by a person in the app; the turn is stored per file in the
library (:mod:`mmdesk.store.orientation`) and applied when thumbnails and the viewer draw the
picture. The original file is never rewritten: another program, a backup or a sync sees the
same bytes as before. Qt-free, so the CLI could offer it too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mmdesk.core.jobs import Changes
from mmdesk.errors import MmdeskError

if TYPE_CHECKING:
    from mmdesk.store import Store


def normalised(quarter_turns: int) -> int:
    """0-3 clockwise quarter turns for any whole number of them (-1 is 3)."""
    return int(quarter_turns) % 4


class OrientationOps:
    """Rotate a file as shown, and read back how it is turned."""

    if TYPE_CHECKING:
        store: Store

    def _file_of(self, item_id: int) -> int:
        file_id = self.store.file_of_item(item_id)
        if file_id is None:
            raise MmdeskError(f"no item {item_id} in the library")
        return file_id

    def rotate(self, item_id: int, quarter_turns: int) -> Changes:
        """Turn the item's file by ``quarter_turns`` more (clockwise; negative turns left).

        Raises:
            MmdeskError: the item is not in the library.
        """
        file_id = self._file_of(item_id)
        turns = normalised(self.store.file_turns(file_id) + quarter_turns)
        self.store.set_file_turns(file_id, turns)
        return Changes(files=True)

    def orientation_of(self, item_id: int) -> int:
        """How the item's file is turned as shown: 0-3 clockwise quarter turns."""
        return self.store.file_turns(self._file_of(item_id))

    def orientations(self) -> dict[int, int]:
        """Every file a person turned: file id -> clockwise quarter turns."""
        return self.store.all_file_turns()
