"""Settings: a small key/value table (active spaces per modality, pending switches, ...)."""

from __future__ import annotations

from mmdesk.kinds import SPACE_MODALITIES
from mmdesk.store.base import StoreBase


def space_key(modality: str, *, pending: bool = False) -> str:
    """The settings key of a modality's active (or pending) space: ``space.image``, ..."""
    if modality not in SPACE_MODALITIES:
        raise ValueError(f"unknown modality {modality!r}")
    return f"{'pending_space' if pending else 'space'}.{modality}"


class SettingsMixin(StoreBase):
    """Read and write settings rows."""

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        """The value of ``key``, or ``default`` when unset."""
        value = self.scalar("SELECT value FROM settings WHERE key=?", (key,))
        return default if value is None else str(value)

    def set_setting(self, key: str, value: str | None) -> None:
        """Set (or, with None, blank) one setting."""
        with self._write():
            self._sql(
                "INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) "
                "DO UPDATE SET value=excluded.value",
                (key, value),
            )

    def delete_setting(self, key: str, *, only_if: str | None = None) -> bool:
        """Remove a setting (only when its value is ``only_if``, if given); True if removed."""
        with self._write():
            if only_if is None:
                cur = self._sql("DELETE FROM settings WHERE key=?", (key,))
            else:
                cur = self._sql("DELETE FROM settings WHERE key=? AND value=?", (key, only_if))
        return cur.rowcount > 0

    def settings(self, prefix: str = "") -> dict[str, str | None]:
        """All settings whose key starts with ``prefix`` (for backups and `status`)."""
        rows = self._sql(
            "SELECT key, value FROM settings WHERE substr(key, 1, ?) = ?", (len(prefix), prefix)
        )
        return {str(k): v for k, v in rows}
