"""Where a path lives: which mount, whether it is a network file system, whether it is gone.

Two decisions need this. SQLite's write-ahead log relies on shared memory and POSIX locks that
network file systems (NFS, SMB, sshfs, 9p ...) do not provide reliably, so a library database
is never *created* on one. And a library folder on an unplugged drive or an unmounted share
must read as *offline* — its items kept and still searchable — not as "every file deleted".
Linux tells both through ``/proc/mounts``; elsewhere the table is empty and only the plain
"does the folder exist" test applies. The table's text can be injected (tests, other systems).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

MOUNTS_FILE = Path("/proc/mounts")
NETWORK_FS = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb",
        "smb3",
        "smbfs",
        "sshfs",
        "fuse.sshfs",
        "9p",
        "afpfs",
        "fuse.afpfs",
        "afs",
        "ncpfs",
        "davfs",
        "fuse.davfs2",
        "fuse.rclone",
        "fuse.gvfsd-fuse",
        "glusterfs",
        "fuse.glusterfs",
        "ceph",
        "fuse.ceph",
        "lustre",
        "gpfs",
        "coda",
        "beegfs",
    }
)
# Where desktops mount removable drives and shares: an empty folder there is a mount point
# whose drive is away, not a folder whose photos were all deleted.
REMOVABLE_PREFIXES = ("/media/", "/run/media/", "/mnt/", "/Volumes/")
_ESCAPE = re.compile(r"\\([0-7]{3})")


@dataclass(frozen=True)
class Mount:
    """One line of the mount table."""

    source: str
    point: str
    fstype: str

    @property
    def network(self) -> bool:
        return is_network_fs(self.fstype)


def is_network_fs(fstype: str) -> bool:
    """Whether ``fstype`` (as /proc/mounts names it) is a network file system."""
    fstype = fstype.lower()
    return fstype in NETWORK_FS or fstype.startswith(("nfs", "smb", "cifs"))


def parse_mounts(text: str) -> list[Mount]:
    """The mount table's lines (``source point fstype options ...``), octal escapes undone."""
    out = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 3:
            source, point, fstype = (_unescape(f) for f in fields[:3])
            out.append(Mount(source, point, fstype))
    return out


def _unescape(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), text)


def read_mounts(text: str | None = None) -> list[Mount]:
    """The mount table: ``text`` when given, else /proc/mounts ([] where there is none)."""
    if text is None:
        try:
            text = MOUNTS_FILE.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []
    return parse_mounts(text)


def mount_of(path: str | Path, mounts: list[Mount]) -> Mount | None:
    """The mount holding ``path``: the longest mount point above it (the last one mounted
    there wins, as the kernel's does)."""
    target = os.path.abspath(str(path))
    best: Mount | None = None
    for mount in mounts:
        point = mount.point.rstrip("/") or "/"
        if target == point or target.startswith(point if point == "/" else point + "/"):
            if best is None or len(point) >= len(best.point.rstrip("/") or "/"):
                best = mount
    return best


def nearest_existing(path: str | Path) -> Path:
    """``path`` or its closest ancestor that exists (what a folder to be created sits on)."""
    current = Path(os.path.abspath(str(path)))
    while not current.exists() and current != current.parent:
        current = current.parent
    return current


def network_mount(path: str | Path, mounts_text: str | None = None) -> Mount | None:
    """The network mount ``path`` is (or would be created) on, or None for a local disk."""
    mount = mount_of(nearest_existing(path).resolve(), read_mounts(mounts_text))
    return mount if mount is not None and mount.network else None


def folder_offline(path: str | Path) -> bool:
    """Whether a library folder is away rather than emptied: it does not exist (a drive
    unplugged, a share unmounted under its mount point), or it is an empty folder where
    removable drives are mounted that is not a mount point now."""
    folder = str(path)
    if not os.path.isdir(folder):
        return True
    if not folder.startswith(REMOVABLE_PREFIXES) or os.path.ismount(folder):
        return False
    mount = mount_of(folder, read_mounts())
    if mount is None or mount.point.startswith(tuple(p.rstrip("/") for p in REMOVABLE_PREFIXES)):
        return False  # its drive is mounted: an empty folder there was really emptied
    try:
        with os.scandir(folder) as entries:
            return next(entries, None) is None
    except OSError:
        return True
