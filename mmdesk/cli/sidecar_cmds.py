"""Sidecar commands: ``export xmp|csv|json`` and ``import xmp``.

``export xmp`` writes ``<file>.xmp`` beside each photo (digiKam's and darktable's naming) for
digiKam, Lightroom and darktable to read; ``export csv|json`` prints a table of labels and
texts (or writes it to ``--out``); ``import xmp`` reads XMP keywords back in as tags.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from mmdesk.cli.output import emit_json, note, say, shown
from mmdesk.config import Settings
from mmdesk.core.library import Library
from mmdesk.core.sidecars.jobs import ReadKeywordsJob, WriteSidecarsJob
from mmdesk.core.sidecars.selection import SidecarReport
from mmdesk.core.sidecars.table import WHATS
from mmdesk.errors import MmdeskError


def register(commands: Any) -> None:
    """Add ``export`` and ``import``."""
    export = commands.add_parser("export", help="tags and captions out: export xmp|csv|json")
    formats = export.add_subparsers(dest="export_format", metavar="FORMAT", required=True)
    p = formats.add_parser("xmp", help="write <file>.xmp sidecars (digiKam, Lightroom, darktable)")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="default: every file")
    p.add_argument("--predicted", action="store_true", help="put predicted tags among keywords")
    p.add_argument("--json", action="store_true", help="JSON summary; progress as JSON lines")
    p.set_defaults(func=cmd_export_xmp)
    for fmt in ("csv", "json"):
        p = formats.add_parser(fmt, help=f"labels, captions and texts as {fmt.upper()}")
        p.add_argument("--what", choices=WHATS, default="all", help="which data (default all)")
        p.add_argument("--out", type=Path, help="write to FILE (default: standard output)")
        p.add_argument("--json", action="store_true", help="a JSON summary")
        p.set_defaults(func=cmd_export_table, export_format=fmt)
    imp = commands.add_parser("import", help="tags in: import xmp [PATH...]")
    formats = imp.add_subparsers(dest="import_format", metavar="FORMAT", required=True)
    p = formats.add_parser("xmp", help="XMP keywords of sidecars and files as tags")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="default: every file")
    p.add_argument("--json", action="store_true", help="JSON summary; progress as JSON lines")
    p.set_defaults(func=cmd_import_xmp)


def cmd_export_xmp(args: argparse.Namespace, settings: Settings) -> int:
    """Write sidecars for the given files and folders, or for the whole library."""
    from mmdesk.cli.progress import run_with_progress

    with Library(settings) as lib:
        items = library_items(lib, args.paths) if args.paths else None
        job = WriteSidecarsJob(items, predicted=args.predicted)
        run_with_progress(lib, job, args.json)
    report = job.report
    print_report(
        report,
        args.json,
        f"{report.written} sidecars written, {report.unchanged} unchanged, "
        f"{report.skipped} files with nothing to write",
    )
    return 0


def cmd_import_xmp(args: argparse.Namespace, settings: Settings) -> int:
    """Read keywords of the given files and folders, or of the whole library, as tags."""
    from mmdesk.cli.progress import run_with_progress

    with Library(settings) as lib:
        if args.paths:
            library_items(lib, args.paths)  # names an unknown path before anything is read
        job = ReadKeywordsJob(args.paths or None)
        run_with_progress(lib, job, args.json)
    report = job.report
    print_report(
        report,
        args.json,
        f"{report.keywords} keywords in {report.read} XMP packets of {report.files} files; "
        f"{report.labelled} labels added",
    )
    return 0


def cmd_export_table(args: argparse.Namespace, settings: Settings) -> int:
    """Labels and texts as CSV or JSON, on stdout or into ``--out``."""
    with Library(settings) as lib:
        if args.out is None:
            count = lib.export_table(args.what, args.export_format, sys.stdout)
        else:
            # surrogateescape: a file name that is not UTF-8 goes out as its own bytes
            with open(args.out, "w", encoding="utf-8", newline="", errors="surrogateescape") as f:
                count = lib.export_table(args.what, args.export_format, f)
    summary = {"rows": count, "what": args.what, "out": None if args.out is None else str(args.out)}
    if args.json and args.out is not None:
        emit_json(summary)
    elif args.out is not None:
        say(f"{count} rows written to {shown(args.out)}")
    else:
        note(f"{count} rows")
    return 0


def library_items(lib: Library, paths: list[Path]) -> list[int]:
    """The items of files at or under ``paths``; a path holding none is an error naming it."""
    items, missing = lib.items_at(list(paths))
    if missing:
        raise MmdeskError(f"{shown(missing[0])} is not in the library (index it first)")
    return items


def print_report(report: SidecarReport, as_json: bool, line: str) -> None:
    """The run's summary: JSON on stdout, or one line and each problem on stderr."""
    if as_json:
        emit_json(report.to_json())
        return
    say(line + (f", {len(report.problems)} problems" if report.problems else ""))
    for problem in report.problems:
        note(f"mmdesk: {shown(problem['path'])}: {problem['error']}")
    if report.cancelled:
        note("cancelled: run it again to go on")
