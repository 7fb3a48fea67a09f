"""Search commands: ``search TEXT`` and ``similar PATH|ID``, with the same filters."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

from mmdesk.cli.output import emit_json, say, shown
from mmdesk.config import Settings
from mmdesk.core.library import Library
from mmdesk.core.search import Filters, Result, group_moments
from mmdesk.kinds import FILE_KINDS

QUERY_HELP = """Search every signal at once: the pictures themselves, the sentence meaning of
their captions, the text read in them (OCR), transcripts and notes, and their exact words.

Query syntax (anything else is plain text):
  "red car"          a phrase, word for word          -word, -"a phrase"  leave out
  tag:NAME           only items with this tag         kind:video          only this file kind
  after:2023         taken from 2023 on               before:2024-06      taken before June 2024
  text:"invoice"     keywords only: written in the item's texts
Each result says why it matched: visual, caption, text in image, spoken, sound, note.
A video moment or a stretch of a recording is listed with its time (--json: "kind",
"start" and "end" in seconds); --group lists each video or recording once, at its best
moment, with its other matching moments."""


def register(commands: Any) -> None:
    """Add ``search`` and ``similar``."""
    p = commands.add_parser(
        "search",
        help="search by meaning and by the words in pictures, captions and notes",
        description=QUERY_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("text", help="what to find (see the query syntax above)")
    filter_args(p)
    p.set_defaults(func=cmd_search)

    p = commands.add_parser(
        "similar",
        help="more like this: a file path or an item id (a sound: by the sound model)",
    )
    p.add_argument("target")
    filter_args(p)
    p.set_defaults(func=cmd_similar)


def filter_args(p: argparse.ArgumentParser) -> None:
    """The filters ``search`` and ``similar`` share."""
    p.add_argument("--limit", type=int, default=20, help="at most N results (default 20)")
    p.add_argument("--kind", action="append", choices=FILE_KINDS, default=[])
    p.add_argument("--under", action="append", type=Path, default=[], help="only in this folder")
    p.add_argument("--tag", action="append", default=[], help="only items with this tag")
    p.add_argument(
        "--predicted", action="store_true", help="--tag also matches tags a classifier predicts"
    )
    p.add_argument(
        "--min-score",
        type=float,
        help="leave out results scoring below S; without it, a query that matches nothing "
        "well gets no results (--min-score 0 shows everything)",
    )
    p.add_argument("--sort", choices=("relevance", "date"), default="relevance")
    p.add_argument(
        "--group",
        action="store_true",
        help="each video or recording once, at its best moment, with its other moments",
    )
    p.add_argument("--json", action="store_true")


def filters(args: argparse.Namespace) -> Filters:
    """The Filters the arguments ask for; Filters itself rejects a negative limit or NaN."""
    return Filters(
        kinds=args.kind,
        under=[str(u) for u in args.under],
        tags=args.tag,
        predicted=args.predicted,
        min_score=args.min_score,
        limit=args.limit,
        sort=args.sort,
    )


def print_results(results: list[Result], as_json: bool) -> None:
    """Results as JSON, or one line each: score, kind, path (never split by the name), the
    moment's time and the words said there."""
    if as_json:
        emit_json([r.to_json() for r in results])
        return
    if not results:
        print("no results", file=sys.stderr)
    for r in results:
        why = f"[{', '.join(r.matched)}] " if r.matched else ""
        say(f"{r.score:6.3f}  {r.kind:<13} {why}{shown(r.path)}{_when(r)}")
        for m in r.moments:
            say(f"{m.score:6.3f}    also{_when(m)}")


def _wider(wanted: Filters, args: argparse.Namespace) -> Filters:
    """Grouping folds a file's moments into one row: ask for more, so --limit rows remain."""
    return dataclasses.replace(wanted, limit=wanted.limit * 4) if args.group else wanted


def _grouped(results: list[Result], wanted: Filters, args: argparse.Namespace) -> list[Result]:
    return group_moments(results)[: wanted.limit] if args.group else results


def _when(r: Result) -> str:
    """`` @ 1:23.4–1:27.0 "words said"`` for a timed result, else nothing."""
    if r.start is None:
        return ""
    span = clock(r.start) + (f"–{clock(r.end)}" if r.end is not None else "")
    said = f' "{_elide(r.snippet, 80)}"' if r.snippet else ""
    return f" @ {span}{said}"


def clock(seconds: float) -> str:
    """Seconds as ``m:ss.s`` (or ``h:mm:ss.s``)."""
    minutes, secs = divmod(max(0.0, float(seconds)), 60.0)
    hours, minutes = divmod(int(minutes), 60)
    return f"{hours}:{minutes:02d}:{secs:04.1f}" if hours else f"{minutes}:{secs:04.1f}"


def _elide(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    """Search by words."""
    wanted = filters(args)
    with Library(settings) as lib:
        found = lib.search(args.text, _wider(wanted, args))
        verdict = lib.last_verdict
    if not found and verdict is not None and not verdict.ok:
        print(
            f"no good matches for {args.text!r}: {verdict.reason} "
            "(--min-score 0 shows the weak matches)",
            file=sys.stderr,
        )
        if args.json:
            emit_json([])
        return 0
    print_results(_grouped(found, wanted, args), args.json)
    return 0


def cmd_similar(args: argparse.Namespace, settings: Settings) -> int:
    """Search by example: an item id, or a file (indexed or not)."""
    wanted = filters(args)
    with Library(settings) as lib:
        found = lib.similar(args.target, _wider(wanted, args))
        print_results(_grouped(found, wanted, args), args.json)
    return 0
