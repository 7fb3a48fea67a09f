"""Library commands: index, status, plugins, folders."""

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
    """Add ``index``, ``status``, ``plugins`` and ``folders``."""
    p = commands.add_parser(
        "index", help="index folders or files (incremental); no PATH re-scans every library folder"
    )
    p.add_argument("paths", nargs="*", type=Path)
    p.add_argument("--batch", type=int, help="images per model batch (default 32)")
    p.add_argument("--retry-failed", action="store_true", help="try files that failed before again")
    p.add_argument("--json", action="store_true", help="JSON summary; progress as JSON lines")
    p.set_defaults(func=cmd_index)

    p = commands.add_parser("status", help="library counts, errors, models and the last backup")
    p.add_argument("--json", action="store_true")
    p.add_argument("--errors", action="store_true", help="list files that failed")
    p.set_defaults(func=cmd_status)

    p = commands.add_parser("plugins", help="discovered plugins and their errors")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_plugins)

    p = commands.add_parser("folders", help="list, add or remove library folders")
    p.add_argument("action", nargs="?", choices=("list", "add", "remove"), default="list")
    p.add_argument("path", nargs="?", type=Path)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_folders)


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    """Index the given paths, or every library folder again."""
    from mmdesk.cli.progress import run_with_progress
    from mmdesk.core.indexing import IndexJob

    if args.batch is not None:
        settings = dataclasses.replace(settings, batch_size=args.batch)
    job = IndexJob(args.paths or None, retry_failed=args.retry_failed)
    with Library(settings) as lib:
        if not args.paths and not lib.folders():
            raise MmdeskError("no library folders yet: mmdesk index PATH")
        run_with_progress(lib, job, args.json)
    _print_index_report(job.report, args.json)
    return 0


def _print_index_report(report: Any, as_json: bool) -> None:
    if as_json:
        emit_json(index_summary(report))
        return
    say(
        f"{report.indexed} indexed, {report.skipped} unchanged, {report.moved} moved, "
        f"{report.errors} errors, {report.missing} missing "
        f"({report.seconds:.1f}s, {report.rate:.1f} files/s)"
        + (" (cancelled: run it again to go on)" if report.cancelled else "")
    )


def index_summary(report: Any) -> dict[str, Any]:
    """The stable JSON summary of an index run."""
    return {
        "found": report.found,
        "indexed": report.indexed,
        "skipped": report.skipped,
        "moved": report.moved,
        "errors": report.errors,
        "missing": report.missing,
        "cancelled": report.cancelled,
        "seconds": round(report.seconds, 2),
        "rate": round(report.rate, 2),
        "problems": report.problems,
    }


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    """Counts, the active model, plugins, failed files and the last backup."""
    with Library(settings) as lib:
        status = lib.status()
        status["plugins"] = [plugin_row(d) for d in lib.plugins()]
        status["error_files"] = [{"path": p, "error": e} for p, e in lib.errors()]
        status["last_backup"] = last_backup_row(lib)
    if args.json:
        emit_json(status)
    else:
        _print_status(status, args.errors)
    return 0


def last_backup_row(lib: Library) -> dict[str, Any] | None:
    """When and why the newest backup was made, or None when there is none."""
    backups = lib.backups()  # newest first
    if not backups:
        return None
    info = backups[0]
    return {"path": str(info.path), "created": when(info.created), "reason": info.reason}


def _print_status(status: dict[str, Any], errors: bool) -> None:
    say(f"data: {shown(status['data_dir'])}")
    say(f"space: {status['space'] or 'none (no usable model)'}")
    if status.get("pending_space"):
        say(f"switching to: {status['pending_space']} (finish with `mmdesk index`)")
    say(
        f"files: {status['files']} indexed, {status['errors']} errors, "
        f"{status.get('missing', 0)} missing; items: {status['items']}; "
        f"tags: {status.get('tags', 0)}"
    )
    for encoder, n in status.get("embeddings", {}).items():
        say(f"  {encoder}: {n} vectors")
    backup = status["last_backup"]
    say(
        f"last backup: {backup['created']} ({backup['reason']})" if backup else "last backup: never"
    )
    for entry in status["error_files"] if errors else []:
        say(f"  error: {shown(entry['path'])}: {entry['error']}")


def plugin_row(d: Any) -> dict[str, Any]:
    """One discovered plugin, usable or not, as plain data."""
    return {
        "id": d.manifest.id if d.manifest else None,
        "ok": d.ok,
        "source": d.source,
        "folder": str(d.folder),
        "error": d.error,
        "version": d.manifest.version if d.manifest else None,
        "encoders": [e.id for e in d.manifest.encoders] if d.manifest else [],
    }


def cmd_plugins(args: argparse.Namespace, settings: Settings) -> int:
    """Every plugin found, with the reason each broken one cannot be used."""
    with Library(settings) as lib:
        rows = [plugin_row(d) for d in lib.plugins()]
    if args.json:
        emit_json(rows)
        return 0
    if not rows:
        say("no plugins found; run `mmdesk models build-default`")
    for row in rows:
        state = "ok" if row["ok"] else "BROKEN"
        say(f"{state:<7} {row['id'] or '?':<36} {row['source']:<12} {shown(row['folder'])}")
        if row["error"]:
            say(f"        {row['error']}")
        for encoder in row["encoders"]:
            say(f"        - {encoder}")
    return 0


def cmd_folders(args: argparse.Namespace, settings: Settings) -> int:
    """List library folders, or add or forget one."""
    if args.action != "list" and args.path is None:
        raise MmdeskError(f"mmdesk folders {args.action} needs a PATH")
    with Library(settings) as lib:
        if args.action == "add":
            lib.add_folder(args.path)
        elif args.action == "remove":
            lib.remove_folder(args.path)
            note(f"removed {shown(args.path)} and everything indexed under it")
        folders = lib.folders()
    if args.json:
        emit_json(folders)
        return 0
    for f in folders:
        say(f"{f['items']:>7} items  {f['errors']:>4} errors  {f['state']:<9} {shown(f['path'])}")
    return 0
