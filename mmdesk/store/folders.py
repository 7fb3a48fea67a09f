"""Library folders: the roots a person added, their scan state, which folder owns a file.

Folder paths are stored encoded (see paths.py) and compared encoded; "under" is paths.is_under.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from mmdesk.errors import StoreError
from mmdesk.store import paths
from mmdesk.store.base import StoreBase
from mmdesk.store.lock import lock_holder
from mmdesk.store.mounts import folder_offline

# "offline": the folder's drive or share is away (see mounts.folder_offline); its files keep
# their state and stay searchable until it returns.
FOLDER_STATES = ("new", "scanning", "indexed", "cancelled", "interrupted", "missing", "offline")


def canonical(path: Path | str) -> str:
    """The one spelling of a folder: absolute, resolved, no trailing slash (but ``/``)."""
    return str(Path(path).expanduser().resolve())


class FoldersMixin(StoreBase):
    """Add, remove and list library folders."""

    def add_folder(self, path: Path | str) -> int:
        """Add a library folder (idempotent) and adopt the known files under it."""
        key = paths.encode(canonical(path))
        with self.transaction():
            self._sql(
                "INSERT OR IGNORE INTO folders(path, added_at) VALUES (?, ?)", (key, time.time())
            )
            folder_id = int(self.scalar("SELECT id FROM folders WHERE path=?", (key,)))
            under, params = paths.under_sql("path", key)
            self._sql(
                f"UPDATE files SET folder_id=? WHERE folder_id IS NULL AND {under}",
                (folder_id, *params),
            )
        return folder_id

    def remove_folder(self, path: Path | str) -> int:
        """Forget a library folder and everything indexed under it (unless another library
        folder also holds it); returns how many files were removed."""
        shown = canonical(path)
        key = paths.encode(shown)
        with self.transaction():
            folder_id = self.scalar("SELECT id FROM folders WHERE path=?", (key,))
            if folder_id is None:
                raise StoreError(f"{paths.display_path(shown)} is not a library folder")
            others = [
                r[0] for r in self._sql("SELECT path FROM folders WHERE id != ?", (folder_id,))
            ]
            under, params = paths.under_sql("path", key)
            rows = self._sql(
                f"SELECT id, path FROM files WHERE folder_id=? OR {under}", (folder_id, *params)
            ).fetchall()
            doomed = [fid for fid, p in rows if not any(paths.is_under(p, o) for o in others)]
            self._many("DELETE FROM files WHERE id=?", [(f,) for f in doomed])
            self._sql("DELETE FROM folders WHERE id=?", (folder_id,))
            self._changed()
        return len(doomed)

    def folders(self) -> list[dict[str, Any]]:
        """Library folders with item and file counts, for the sidebar and `status`."""
        rows = self.query(
            "SELECT f.id, f.path, f.state, f.last_scan, "
            "(SELECT COUNT(*) FROM files WHERE folder_id=f.id AND status='indexed') AS files, "
            "(SELECT COUNT(*) FROM files WHERE folder_id=f.id AND status='error') AS errors, "
            "(SELECT COUNT(*) FROM items i JOIN files x ON x.id=i.file_id "
            " WHERE x.folder_id=f.id AND x.status='indexed') AS items "
            "FROM folders f ORDER BY f.path"
        )
        out = [{**dict(r), "path": paths.decode(r["path"])} for r in rows]
        for folder in out:  # a drive unplugged (or back) since the last scan shows at once
            away = folder_offline(folder["path"])
            if away:
                folder["state"] = "offline"
            elif folder["state"] == "offline":
                folder["state"] = "new"  # back: waiting for its (incremental) scan
        return out

    def offline_folders(self) -> dict[int, str]:
        """Library folders whose drive or share is away now (mounts.folder_offline), by id:
        an index run neither scans them nor marks their files missing."""
        rows = self._sql("SELECT id, path FROM folders").fetchall()
        decoded = {int(fid): paths.decode(p) for fid, p in rows}
        return {fid: p for fid, p in decoded.items() if folder_offline(p)}

    def folder_states(self) -> dict[int, str]:
        """Each library folder's stored state, by id (as the last run left it)."""
        return {int(fid): str(st) for fid, st in self._sql("SELECT id, state FROM folders")}

    def set_folder_state(self, folder_id: int, state: str) -> None:
        """Record a folder's scan state (one of FOLDER_STATES) and when it changed."""
        if state not in FOLDER_STATES:
            raise ValueError(f"unknown folder state {state!r}")
        with self._write():
            self._sql(
                "UPDATE folders SET state=?, last_scan=? WHERE id=?",
                (state, time.time(), folder_id),
            )

    def reset_stale_states(self) -> int:
        """Folders left ``scanning`` by a killed indexer become ``interrupted``.

        Does nothing while another process holds the indexing lock (lock.library_lock): then
        the scan is real. Returns how many folders changed.
        """
        if lock_holder(self.path) is not None:
            return 0
        with self._write():
            cur = self._sql("UPDATE folders SET state='interrupted' WHERE state='scanning'")
        return cur.rowcount

    def folder_for(self, path: str) -> int | None:
        """The innermost library folder holding ``path``, or None."""
        key = paths.encode(path)
        best: tuple[int, int] | None = None
        for fid, folder in self._sql("SELECT id, path FROM folders"):
            if paths.is_under(key, folder) and (best is None or len(folder) > best[1]):
                best = (fid, len(folder))
        return best[0] if best else None
