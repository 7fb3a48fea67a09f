"""Search commands: ``search TEXT``, ``similar PATH|ID`` and ``browse``, with the same filters.

A query goes to the desktop app first when it runs on this library (it holds the model and the
index warm; see :mod:`mmdesk.core.remote`), else, or with ``--local``, it is answered here.
Both build the same response with :func:`remote.answer` and print it with :func:`print_rows`,
so the output is the same either way. The library and the models are imported only when the
query is answered here.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mmdesk.cli.output import emit_json, say, shown
from mmdesk.config import Settings
from mmdesk.core import remote
from mmdesk.errors import MmdeskError
from mmdesk.kinds import FILE_KINDS

if TYPE_CHECKING:
    from mmdesk.core.search import Filters, Result

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
    p.set_defaults(func=cmd_search, quick_exit=True)

    p = commands.add_parser(
        "similar",
        help="more like this: a file path or an item id (a sound: by the sound model)",
    )
    p.add_argument("target")
    filter_args(p)
    p.set_defaults(func=cmd_similar, quick_exit=True)

    p = commands.add_parser(
        "browse",
        help="list the library without a query, newest first (--sort oldest), filtered",
    )
    filter_args(p)
    p.set_defaults(func=cmd_browse, quick_exit=True)


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
    p.add_argument(
        "--camera", action="append", default=[], help="only photos taken with this camera"
    )
    p.add_argument("--after", help="taken from the start of YYYY[-MM[-DD]] on")
    p.add_argument("--before", help="taken before the start of YYYY[-MM[-DD]]")
    p.add_argument(
        "--sort",
        choices=("relevance", "newest", "oldest", "date"),
        default="relevance",
        help="relevance, or by date (taken, else file time): newest or oldest first (date: newest)",
    )
    p.add_argument(
        "--group",
        action="store_true",
        help="each video or recording once, at its best moment, with its other moments",
    )
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--local",
        action="store_true",
        help="answer in this process, even when the desktop app could answer",
    )


def filter_fields(args: argparse.Namespace) -> dict[str, Any]:
    """The Filters fields the arguments ask for, as the request carries them."""
    return {
        "kinds": list(args.kind),
        "under": [str(u) for u in args.under],
        "tags": list(args.tag),
        "predicted": args.predicted,
        "camera": list(args.camera),
        "after": args.after,
        "before": args.before,
        "min_score": args.min_score,
        "limit": args.limit,
        "sort": args.sort,
    }


def filters(args: argparse.Namespace) -> Filters:
    """The Filters the arguments ask for; Filters itself rejects a negative limit or NaN."""
    from mmdesk.core.search import Filters

    return Filters(**filter_fields(args))


def print_results(results: list[Result], as_json: bool) -> None:
    """Results as JSON, or one line each (see :func:`print_rows`)."""
    print_rows([r.to_json() for r in results], as_json)


def print_rows(rows: list[dict[str, Any]], as_json: bool) -> None:
    """Results (as ``Result.to_json`` gives them) as JSON, or one line each: score, kind, path
    (never split by the name), the moment's time and the words said there."""
    if as_json:
        emit_json(rows)
        return
    if not rows:
        print("no results", file=sys.stderr)
    for r in rows:
        matched = r.get("matched") or []
        why = f"[{', '.join(matched)}] " if matched else ""
        say(f"{_score(r):6.3f}  {r['kind']:<13} {why}{shown(r['path'])}{_when(r)}")
        for m in r.get("moments") or []:
            say(f"{_score(m):6.3f}    also{_when(m)}")


def _score(row: dict[str, Any]) -> float:
    score = row.get("score")
    return math.nan if score is None else float(score)


def _when(r: dict[str, Any]) -> str:
    """`` @ 1:23.4–1:27.0 "words said"`` for a timed result, else nothing."""
    if r.get("start") is None:
        return ""
    end = r.get("end")
    span = clock(r["start"]) + (f"–{clock(end)}" if end is not None else "")
    snippet = r.get("snippet")
    said = f' "{_elide(snippet, 80)}"' if snippet else ""
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
    reply = _reply("search", args.text, args, settings)
    verdict = reply.get("verdict")
    if not reply["results"] and verdict is not None and not verdict["ok"]:
        print(
            f"no good matches for {args.text!r}: {verdict['reason']} "
            "(--min-score 0 shows the weak matches)",
            file=sys.stderr,
        )
        if args.json:
            emit_json([])
        return 0
    print_rows(reply["results"], args.json)
    return 0


def cmd_similar(args: argparse.Namespace, settings: Settings) -> int:
    """Search by example: an item id, or a file (indexed or not)."""
    reply = _reply("similar", args.target, args, settings)
    print_rows(reply["results"], args.json)
    return 0


def cmd_browse(args: argparse.Namespace, settings: Settings) -> int:
    """What passes the filters, by date (taken, else file time), answered here."""
    from mmdesk.core.search import group_moments

    wanted = filters(args)
    with remote.open_library(settings) as lib:
        found = lib.browse(wanted)
    print_results(group_moments(found) if args.group else found, args.json)
    return 0


def _reply(op: str, query: str, args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    """The response from the running app, or else (or with --local) from this process."""
    request = remote.make_request(op, query, filter_fields(args), args.group, settings)
    reply = None if args.local else remote.ask(remote.socket_path(settings.data_dir), request)
    if reply is None:
        filters(args)  # bad filters are refused before the library is opened (or created)
        with remote.open_library(settings) as lib:
            reply = remote.answer(lib, request)
    if "error" in reply:
        raise MmdeskError(str(reply["error"]))
    return reply
