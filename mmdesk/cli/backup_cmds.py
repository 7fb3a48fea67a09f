"""Backup commands: ``backup [--list]`` and ``restore [BACKUP] --yes``.

A backup keeps what cannot be recomputed (tags, labels, texts) in ``<data dir>/backups``; the
library makes one itself before the first write of a day, and a person with ``mmdesk backup``.
Restoring replaces the database file, so it runs with no Library open.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from mmdesk.cli.output import emit_json, note, say, shown, when
from mmdesk.config import Settings
from mmdesk.core.library import Library
from mmdesk.errors import MmdeskError


def register(commands: Any) -> None:
    """Add ``backup`` and ``restore``."""
    p = commands.add_parser("backup", help="copy the library database now (or --list copies)")
    p.add_argument("--list", action="store_true", help="list the backups instead")
    p.add_argument("--reason", default="manual", help="a word kept with the copy (manual)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_backup)

    p = commands.add_parser("restore", help="put a backup back in place of the library database")
    p.add_argument("backup", nargs="?", type=Path, help="a backup file or name (default: newest)")
    p.add_argument("--yes", action="store_true", help="really replace the library database")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_restore)


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    """Make a backup now, or list them."""
    if not settings.db_path.exists():
        raise MmdeskError(f"there is no library in {shown(settings.data_dir)} yet")
    with Library(settings) as lib:
        if args.list:
            _print_backups([backup_row(b) for b in lib.backups()], args.json)
            return 0
        path = lib.backup_now(args.reason)
    if args.json:
        emit_json({"path": str(path)})
    else:
        say(f"backup written: {shown(path)}")
    return 0


def backup_row(info: Any) -> dict[str, Any]:
    """One backup as plain data: path, created (ISO time), reason, labels, size in bytes."""
    return {
        "path": str(info.path),
        "created": when(info.created),
        "reason": info.reason,
        "labels": info.labels,
        "size": info.size,
    }


def _print_backups(rows: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        emit_json(rows)
        return
    if not rows:
        note("no backups yet: mmdesk backup")
    for row in rows:
        mb = row["size"] / 1e6
        say(
            f"{row['created']}  {row['reason']:<10} {row['labels']:>6} labels {mb:>8.1f} MB  "
            f"{shown(row['path'])}"
        )


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    """Replace the library database with a backup, after ``--yes``."""
    from mmdesk.store.restore import restore

    chosen = _chosen_backup(settings, args.backup)
    if not args.yes:
        note(f"would replace {shown(settings.db_path)} with {shown(chosen)}; add --yes to do it")
        return 1
    report = restore(chosen, settings.db_path)
    if args.json:
        emit_json(dataclasses.asdict(report))
        return 0
    say(
        f"restored {report.files} files, {report.labels} labels, {report.tags} tags and "
        f"{report.texts} texts from {shown(chosen)}"
    )
    if report.moved_aside:
        note(f"the replaced database is kept as {shown(report.moved_aside)}")
    note("run `mmdesk index` to compute the vectors again")
    return 0


def _chosen_backup(settings: Settings, wanted: Path | None) -> Path:
    """The backup to restore: a path, a name in the backups folder, or the newest."""
    from mmdesk.store.backup import last_backup

    if wanted is None:
        newest = last_backup(settings.backups_dir)
        if newest is None:
            raise MmdeskError(f"there are no backups in {shown(settings.backups_dir)}")
        return Path(newest.path)
    for candidate in (wanted, settings.backups_dir / wanted):
        if candidate.is_file():
            return candidate
    raise MmdeskError(f"no backup {shown(wanted)} (see `mmdesk backup --list`)")
