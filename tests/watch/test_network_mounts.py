"""No new library database on a network file system (SQLite's WAL is unsafe there); an old
one still opens, with a warning. The mount table is injected, never the machine's own."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmdesk.errors import StoreError
from mmdesk.store import Store, mounts


def fake_mounts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, share: Path, fstype: str) -> None:
    table = tmp_path / "proc-mounts"
    escaped = str(share).replace(" ", "\\040")
    table.write_text(
        f"/dev/sda1 / ext4 rw,relatime 0 0\nnas:/export/photos {escaped} {fstype} rw,vers=4.2 0 0\n"
    )
    monkeypatch.setattr(mounts, "MOUNTS_FILE", table)


def test_the_mount_table_is_parsed_with_its_escapes() -> None:
    table = mounts.parse_mounts(
        "/dev/sda1 / ext4 rw 0 0\n//nas/share /mnt/my\\040share cifs rw 0 0\nbroken\n"
    )
    assert [(m.point, m.fstype, m.network) for m in table] == [
        ("/", "ext4", False),
        ("/mnt/my share", "cifs", True),
    ]
    assert mounts.mount_of("/mnt/my share/photos/a.jpg", table) == table[1]
    assert mounts.mount_of("/mnt/my shared", table) == table[0]


@pytest.mark.parametrize("fstype", ["nfs4", "cifs", "smb3", "fuse.sshfs", "9p", "afpfs"])
def test_network_file_systems_are_recognised(fstype: str) -> None:
    assert mounts.is_network_fs(fstype)
    assert not mounts.is_network_fs("ext4") and not mounts.is_network_fs("fuse.portal")


def test_a_new_database_on_a_network_mount_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    share = tmp_path / "nas share"
    share.mkdir()
    fake_mounts(monkeypatch, tmp_path, share, "nfs4")
    db = share / "mmdesk-data" / "library.db"  # a data folder not made yet
    with pytest.raises(StoreError, match=r"nfs4 .*--data-dir") as raised:
        Store(db)
    assert "network file system" in str(raised.value)
    assert not db.exists() and not db.parent.exists()


@pytest.mark.allow_log("is on a network file system")
def test_an_existing_database_on_a_network_mount_opens_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    share = tmp_path / "share"
    db = share / "library.db"
    Store(db).close()  # made while the folder was local
    fake_mounts(monkeypatch, tmp_path, share, "cifs")
    with Store(db) as store:
        assert store.counts()["files"] == 0
    assert any("network file system" in r.getMessage() for r in caplog.records)


def test_a_local_disk_is_fine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    fake_mounts(monkeypatch, tmp_path, tmp_path / "elsewhere", "nfs")
    with Store(tmp_path / "local" / "library.db") as store:
        assert store.counts()["files"] == 0
    assert mounts.network_mount(tmp_path / "elsewhere" / "x") is not None
