"""``mmdesk caption`` and ``mmdesk captioners``: describe pictures, correct a caption, choose
the captioner.

``caption [PATH...|--all]`` runs the active captioner as a job; ``--set TEXT PATH`` stores a
person's caption (never overwritten by captioners); ``--use ID`` chooses the captioner for
what follows and for indexing. ``captioners`` lists those installed, label-based ones marked.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mmdesk.cli.output import emit_json, note, say, shown
from mmdesk.cli.tag_cmds import items_for
from mmdesk.config import Settings
from mmdesk.errors import MmdeskError

if TYPE_CHECKING:
    from mmdesk.core.library import Library

DEFAULT_CHOICE = "default"  # ``--use default``: no chosen captioner, the default one applies


def register(commands: Any) -> None:
    """Add ``caption`` and ``captioners``."""
    p = commands.add_parser("caption", help="describe pictures in words (the active captioner)")
    p.add_argument("paths", nargs="*", type=Path, help="library files to caption")
    p.add_argument("--all", action="store_true", help="every picture lacking a caption")
    p.add_argument("--redo", action="store_true", help="caption again (never a person's caption)")
    p.add_argument("--set", metavar="TEXT", help="your own caption for the one PATH named")
    p.add_argument(
        "--use",
        metavar="ID",
        help=f"choose the captioner (see `mmdesk captioners`; {DEFAULT_CHOICE!r}: the default)",
    )
    p.add_argument("--json", action="store_true", help='[{"path", "caption", "producer", "start"}]')
    p.set_defaults(func=cmd_caption)
    p = commands.add_parser("captioners", help="list the installed captioners")
    p.add_argument("--json", action="store_true", help='[{"id", "plugin", "language", ...}]')
    p.set_defaults(func=cmd_captioners)


def cmd_caption(args: argparse.Namespace, settings: Settings) -> int:
    """Choose the captioner, set a person's caption, or caption files and print the captions."""
    from mmdesk.core.library import Library

    _check(args)
    with Library(settings) as lib:
        if args.use is not None:
            lib.set_captioner(None if args.use == DEFAULT_CHOICE else args.use)
            note(f"captioner: {lib.active_captioner() or 'none installed'}")
            if not args.paths and not args.all:
                return 0
        ids: list[int] | None
        if args.set is not None:
            ids = items_for(lib, args.paths)
            lib.set_caption(ids[0], args.set)
            failed = False
        else:
            ids, failed = _run_job(lib, args)
        rows = _rows(lib, ids)
    if args.json:
        emit_json(rows)
    else:
        for row in rows:
            say(f"{shown(Path(row['path']))}: {row['caption']}  [{row['producer']}]")
    return 1 if failed else 0


def _check(args: argparse.Namespace) -> None:
    """Usage the parser cannot say: what to caption, and --set naming exactly one file."""
    if args.set is not None and (len(args.paths) != 1 or args.all or args.redo):
        raise MmdeskError("--set TEXT takes exactly one PATH (and no --all or --redo)")
    if not args.paths and not args.all and args.use is None:
        raise MmdeskError("name files to caption, or --all (or choose one with --use ID)")


def _run_job(lib: Library, args: argparse.Namespace) -> tuple[list[int] | None, bool]:
    """Caption with progress; returns the ids asked for (None: all) and whether any failed."""
    from mmdesk.cli.progress import run_with_progress
    from mmdesk.core.enrich.captions import CaptionJob

    ids = None if args.all else items_for(lib, args.paths)
    job = CaptionJob(ids, redo=args.redo)
    run_with_progress(lib, job, args.json)
    for path, why in job.failed:
        note(f"mmdesk: warning: {shown(path)}: {why}")
    return ids, bool(job.failed)


def _rows(lib: Library, ids: list[int] | None) -> list[dict[str, Any]]:
    """Each item's shown caption with its path, producer and start time (None for photos)."""
    captions = lib.captions_for(ids)
    info = lib.items_info(list(captions))
    rows = [
        {
            "path": info[i]["path"],
            "caption": c["caption"],
            "producer": c["producer"],
            "start": info[i]["start"],
        }
        for i, c in captions.items()
        if i in info
    ]
    return sorted(rows, key=lambda r: (r["path"], r["start"] or 0.0))


def cmd_captioners(args: argparse.Namespace, settings: Settings) -> int:
    """List installed captioners; the active one is marked, label-based ones say so."""
    from mmdesk.core.library import Library

    with Library(settings) as lib:
        active = lib.active_captioner()
        rows = [{**c, "active": c["id"] == active} for c in lib.captioners()]
    if args.json:
        emit_json(rows)
        return 0
    if not rows:
        note("no captioner is installed: see `mmdesk models export captioner --help`")
    for row in rows:
        marks = ["active"] * row["active"] + ["label-based"] * row["label_based"]
        say(
            f"{'*' if row['active'] else ' '} {row['id']}  ({', '.join([row['language'], *marks])})"
        )
    return 0
