"""Library folders: the roots a person added, their scan state, which folder owns a file.

Folder paths are stored encoded (see paths.py) and compared encoded; "under" is paths.is_under.

Removal can be undone: :meth:`FoldersMixin.soft_remove_folder` prefixes the folder's state and
its files' statuses with ``removed:`` (so they leave search, browse and counts at once, and the
vector index follows the status change), :meth:`~FoldersMixin.restore_folder` takes the prefix
off, and :meth:`~FoldersMixin.purge_removed` deletes them for good. A removed folder is no
library folder: nothing lists, scans or watches it; adding it again restores it.
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
REMOVED = "removed:"  # prefix of a removed folder's state and of its files' statuses
ACTIVE = "state NOT LIKE 'removed:%'"  # folders of the library (not removed)


def canonical(path: Path | str) -> str:
    """The one spelling of a folder: absolute, resolved, no trailing slash (but ``/``)."""
    return str(Path(path).expanduser().resolve())


class FoldersMixin(StoreBase):
    """Add, remove and list library folders."""

    def add_folder(self, path: Path | str) -> int:
        """Add a library folder (idempotent) and adopt the known files under it; a removed
        folder, or removed files under it, come back as they were."""
        key = paths.encode(canonical(path))
        with self.transaction():
            self._sql(
                "INSERT OR IGNORE INTO folders(path, added_at) VALUES (?, ?)", (key, time.time())
            )
            folder_id = int(self.scalar("SELECT id FROM folders WHERE path=?", (key,)))
            self._sql(
                "UPDATE folders SET state=substr(state, ?) WHERE id=? AND state LIKE 'removed:%'",
                (len(REMOVED) + 1, folder_id),
            )
            under, params = paths.under_sql("path", key)
            back = self._sql(
                f"UPDATE files SET status=substr(status, ?), folder_id=? WHERE {under} "
                "AND status LIKE 'removed:%'",
                (len(REMOVED) + 1, folder_id, *params),
            )
            if back.rowcount:
                self._changed()
            self._sql(
                f"UPDATE files SET folder_id=? WHERE folder_id IS NULL AND {under}",
                (folder_id, *params),
            )
        return folder_id

    def remove_folder(self, path: Path | str) -> int:
        """Forget a library folder and everything indexed under it (unless another library
        folder also holds it); returns how many files were removed."""
        with self.transaction():
            folder_id, doomed = self._doomed(path)
            self._many("DELETE FROM files WHERE id=?", [(f,) for f in doomed])
            self._sql("DELETE FROM folders WHERE id=?", (folder_id,))
            self._changed()
        return len(doomed)

    def soft_remove_folder(self, path: Path | str) -> int:
        """Remove a library folder so that it can come back (:meth:`restore_folder`): its
        files (those no other library folder holds) leave the library but keep their items,
        vectors and labels until :meth:`purge_removed`. Returns how many files left."""
        with self.transaction():
            folder_id, doomed = self._doomed(path)
            self._many(
                "UPDATE files SET status=? || status WHERE id=? AND status NOT LIKE 'removed:%'",
                [(REMOVED, f) for f in doomed],
            )
            self._sql("UPDATE folders SET state=? || state WHERE id=?", (REMOVED, folder_id))
            self._changed()
        return len(doomed)

    def restore_folder(self, path: Path | str) -> int:
        """Undo :meth:`soft_remove_folder`: the folder and its files are back as they were;
        returns how many files came back."""
        shown = canonical(path)
        key = paths.encode(shown)
        with self.transaction():
            folder_id = self.scalar(
                "SELECT id FROM folders WHERE path=? AND state LIKE 'removed:%'", (key,)
            )
            if folder_id is None:
                raise StoreError(f"{paths.display_path(shown)} is not a removed library folder")
            under, params = paths.under_sql("path", key)
            cur = self._sql(
                f"UPDATE files SET status=substr(status, ?1) WHERE (folder_id=?2 OR {under}) "
                "AND status LIKE 'removed:%'",
                (len(REMOVED) + 1, folder_id, *params),
            )
            self._sql(
                "UPDATE folders SET state=substr(state, ?) WHERE id=?",
                (len(REMOVED) + 1, folder_id),
            )
            self._changed()
        return max(cur.rowcount, 0)

    def purge_removed(self) -> int:
        """Delete removed folders and their files (items, vectors, labels) for good; returns
        how many files went."""
        with self.transaction():
            cur = self._sql("DELETE FROM files WHERE status LIKE 'removed:%'")
            gone = self._sql("DELETE FROM folders WHERE state LIKE 'removed:%'")
            if cur.rowcount or gone.rowcount:
                self._changed()
        return max(cur.rowcount, 0)

    def _doomed(self, path: Path | str) -> tuple[int, list[int]]:
        """A library folder's id, and its files that no other library folder holds."""
        shown = canonical(path)
        key = paths.encode(shown)
        folder_id = self.scalar(f"SELECT id FROM folders WHERE path=? AND {ACTIVE}", (key,))
        if folder_id is None:
            raise StoreError(f"{paths.display_path(shown)} is not a library folder")
        others = [
            r[0]
            for r in self._sql(f"SELECT path FROM folders WHERE id != ? AND {ACTIVE}", (folder_id,))
        ]
        under, params = paths.under_sql("path", key)
        rows = self._sql(
            f"SELECT id, path FROM files WHERE folder_id=? OR {under}", (folder_id, *params)
        ).fetchall()
        return int(folder_id), [f for f, p in rows if not any(paths.is_under(p, o) for o in others)]

    def folders(self) -> list[dict[str, Any]]:
        """Library folders with item and file counts, for the sidebar and `status`."""
        rows = self.query(
            "SELECT f.id, f.path, f.state, f.last_scan, "
            "(SELECT COUNT(*) FROM files WHERE folder_id=f.id AND status='indexed') AS files, "
            "(SELECT COUNT(*) FROM files WHERE folder_id=f.id AND status='error') AS errors, "
            "(SELECT COUNT(*) FROM items i JOIN files x ON x.id=i.file_id "
            " WHERE x.folder_id=f.id AND x.status='indexed') AS items "
            f"FROM folders f WHERE f.{ACTIVE} ORDER BY f.path"
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
        rows = self._sql(f"SELECT id, path FROM folders WHERE {ACTIVE}").fetchall()
        decoded = {int(fid): paths.decode(p) for fid, p in rows}
        return {fid: p for fid, p in decoded.items() if folder_offline(p)}

    def folder_states(self) -> dict[int, str]:
        """Each library folder's stored state, by id (as the last run left it)."""
        rows = self._sql(f"SELECT id, state FROM folders WHERE {ACTIVE}")
        return {int(fid): str(st) for fid, st in rows}

    def set_folder_state(self, folder_id: int, state: str) -> None:
        """Record a folder's scan state (one of FOLDER_STATES) and when it changed; a folder
        removed meanwhile stays removed."""
        if state not in FOLDER_STATES:
            raise ValueError(f"unknown folder state {state!r}")
        with self._write():
            self._sql(
                f"UPDATE folders SET state=?, last_scan=? WHERE id=? AND {ACTIVE}",
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
        for fid, folder in self._sql(f"SELECT id, path FROM folders WHERE {ACTIVE}"):
            if paths.is_under(key, folder) and (best is None or len(folder) > best[1]):
                best = (fid, len(folder))
        return best[0] if best else None

    def folder_counts(self) -> dict[str, int]:
        """Present items under each library folder and each of its subfolders holding any,
        by path: the count a click on that folder shows (the same "under" as the filter).

        One grouped query by the folder a file lies in, then each count added to the folders
        above it, up to the library folders holding it (once each, when library folders nest).
        """
        rows = self._sql(
            "SELECT rtrim(f.path, replace(f.path, '/', '')) AS dir, COUNT(*) FROM items i "
            "JOIN files f ON f.id=i.file_id WHERE f.status = 'indexed' GROUP BY dir"
        ).fetchall()
        roots = [paths.decode(r[0]) for r in self._sql(f"SELECT path FROM folders WHERE {ACTIVE}")]
        counts: dict[str, int] = {}
        for stored, count in rows:
            folder = paths.folder_key(paths.decode(stored))
            chain: set[str] = set()
            for root in roots:
                key = paths.folder_key(root)
                if not paths.is_under(folder, root):
                    continue
                at = folder
                while at != key and len(at) > len(key):
                    chain.add(at)
                    at = at.rsplit("/", 1)[0]
                chain.add(key)
            for at in chain:
                counts[at or "/"] = counts.get(at or "/", 0) + int(count)
        return counts
