"""Orientation overrides: how many quarter turns a person asked to rotate a file when shown.

Kept as settings rows (``orientation.file.<file id>``) rather than in the file's ``meta``
JSON, because indexing rewrites ``meta`` whenever a file passes through the pipeline again (a
model switch re-embeds unchanged files too), and a person's rotation must survive that. The
original file is never written.
"""

from __future__ import annotations

from mmdesk.store.base import StoreBase

PREFIX = "orientation.file."


def _key(file_id: int) -> str:
    return f"{PREFIX}{int(file_id)}"


class OrientationMixin(StoreBase):
    """Read and write per-file rotation overrides (0-3 clockwise quarter turns)."""

    def file_of_item(self, item_id: int) -> int | None:
        """The id of the file an item belongs to, or None for an unknown item."""
        value = self.scalar("SELECT file_id FROM items WHERE id=?", (int(item_id),))
        return None if value is None else int(value)

    def file_turns(self, file_id: int) -> int:
        """The file's override in clockwise quarter turns (0 when it has none)."""
        value = self.scalar("SELECT value FROM settings WHERE key=?", (_key(file_id),))
        return int(value) % 4 if value is not None else 0

    def set_file_turns(self, file_id: int, turns: int) -> None:
        """Set the file's override; 0 removes it."""
        with self._write():
            if turns % 4 == 0:
                self._sql("DELETE FROM settings WHERE key=?", (_key(file_id),))
            else:
                self._sql(
                    "INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) "
                    "DO UPDATE SET value=excluded.value",
                    (_key(file_id), str(turns % 4)),
                )

    def all_file_turns(self) -> dict[int, int]:
        """Every override: file id -> quarter turns (few rows: only rotated files have one)."""
        rows = self._sql(
            "SELECT key, value FROM settings WHERE substr(key, 1, ?) = ?", (len(PREFIX), PREFIX)
        )
        return {int(str(k)[len(PREFIX) :]): int(v) % 4 for k, v in rows if v is not None}
