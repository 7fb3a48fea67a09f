"""``mmdesk people`` (list, name, merge, split, photos, more, regroup) and ``mmdesk faces``
(find faces now). Faces are found on this machine and never leave it; ``mmdesk settings faces
off`` deletes them all."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mmdesk.cli.output import emit_json, note, say, shown
from mmdesk.config import Settings

if TYPE_CHECKING:
    from mmdesk.core.search.results import Result


def register(commands: Any) -> None:
    """Add ``people`` and ``faces``."""
    p = commands.add_parser("people", help="the people found in your photos: list, name, merge")
    p.add_argument("--json", action="store_true", help='[{"id", "name", "faces", "photos"}]')
    p.set_defaults(func=cmd_people, action=None)
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    name = sub.add_parser("name", help="name a person: their photos get that tag")
    name.add_argument("id", type=int)
    name.add_argument("name")
    merge = sub.add_parser("merge", help="person B's faces are person A's")
    merge.add_argument("a", type=int)
    merge.add_argument("b", type=int)
    split = sub.add_parser("split", help="move some faces of a person to a new person")
    split.add_argument("id", type=int)
    split.add_argument("faces", type=int, nargs="+", metavar="FACE")
    for action, help_text in (
        ("photos", "the photos of a person"),
        ("more", "photos with faces like a person's that are not theirs yet"),
    ):
        q = sub.add_parser(action, help=help_text)
        q.add_argument("id", type=int)
        q.add_argument("--json", action="store_true")
    sub.add_parser("regroup", help="group the faces again (named people stay as they are)")
    f = commands.add_parser("faces", help="find the faces in pictures now (indexing does too)")
    f.add_argument("paths", nargs="*", type=Path, help="library files to look at (again)")
    f.add_argument("--redo", action="store_true", help="look at every picture again")
    f.add_argument("--json", action="store_true", help='[{"path", "faces": [{"id", "box", ...}]}]')
    f.set_defaults(func=cmd_faces)


def cmd_people(args: argparse.Namespace, settings: Settings) -> int:
    from mmdesk.core.faces import people as ops
    from mmdesk.core.library import Library

    with Library(settings) as lib:
        if args.action == "name":
            ops.name_person(lib, args.id, args.name)
            say(f"person {args.id} is {args.name.strip()}")
        elif args.action == "merge":
            ops.merge_people(lib, args.a, args.b)
            say(f"person {args.b} merged into person {args.a}")
        elif args.action == "split":
            new, _ = ops.split_person(lib, args.id, args.faces)
            say(f"{len(args.faces)} face(s) of person {args.id} are now person {new}")
        elif args.action in ("photos", "more"):
            find = ops.photos_of if args.action == "photos" else ops.more_photos_of
            _print_results(find(lib, args.id), args.json)
        elif args.action == "regroup":
            ops.recluster(lib)
            say(f"{len(lib.people())} people")
        else:
            _print_people(ops.people(lib), args.json)
    return 0


def _print_people(found: list[dict[str, Any]], as_json: bool) -> None:
    rows = [{k: p[k] for k in ("id", "name", "faces", "photos")} for p in found]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        say(f"{row['id']:>5}  {row['name'] or '(unnamed)':<24} {row['photos']} photo(s)")
    if not rows:
        note("no people found yet: index some photos, or run `mmdesk faces`")


def _print_results(results: list[Result], as_json: bool) -> None:
    if as_json:
        emit_json([{"path": r.path, "score": round(r.score, 4)} for r in results])
        return
    for result in results:
        say(f"{result.score:.3f}  {shown(Path(result.path))}")
    if not results:
        note("no photos")


def cmd_faces(args: argparse.Namespace, settings: Settings) -> int:
    """Find faces in the named files (again), the new pictures, or every one with --redo."""
    from mmdesk.cli.progress import run_with_progress
    from mmdesk.cli.tag_cmds import items_for
    from mmdesk.core.faces.job import FacesJob
    from mmdesk.core.library import Library

    with Library(settings) as lib:
        ids = items_for(lib, args.paths) if args.paths else None
        job = FacesJob(ids, redo=args.redo)
        run_with_progress(lib, job, args.json)
        wanted = ids if ids is not None else lib.items_with_faces()
        info = lib.items_info(wanted)
        rows = [{"path": info[i]["path"], "faces": lib.faces_for(i)} for i in wanted if i in info]
    if args.json:
        emit_json(rows)
        return 0
    say(f"looked at {job.looked} picture(s), found {job.found} face(s)")
    for row in rows:
        say(f"{shown(Path(row['path']))}: {len(row['faces'])} face(s)")
    return 0
