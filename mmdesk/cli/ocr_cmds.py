"""``mmdesk ocr [PATH...|--all] [--json]``: read the text in pictures and print it.

Named files are read again (a person asking wants a fresh reading); ``--all`` reads only the
pictures the text reader has not been over yet, then prints every picture holding text. The
job is the one indexing runs (:class:`mmdesk.core.enrich.ocr.OcrJob`), with the CLI's progress.
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


def register(commands: Any) -> None:
    """Add ``ocr``."""
    p = commands.add_parser("ocr", help="read the text in pictures (OCR) and print it")
    p.add_argument("paths", nargs="*", type=Path, help="library files to read (again)")
    p.add_argument("--all", action="store_true", help="every unread picture; print all with text")
    p.add_argument(
        "--json",
        action="store_true",
        help='[{"path", "text", "lines": [{"text", "box", "score"}]}]',
    )
    p.set_defaults(func=cmd_ocr)


def cmd_ocr(args: argparse.Namespace, settings: Settings) -> int:
    """Read the named files (or every unread one with ``--all``) and print what they say."""
    from mmdesk.cli.progress import run_with_progress
    from mmdesk.core.enrich.ocr import OcrJob
    from mmdesk.core.library import Library

    if bool(args.paths) == bool(args.all):
        raise MmdeskError("name files to read, or --all (not both)")
    with Library(settings) as lib:
        ids = None if args.all else items_for(lib, args.paths)
        run_with_progress(lib, OcrJob(ids), args.json)
        rows = _rows(lib, ids)
    if args.json:
        emit_json(rows)
        return 0
    for row in rows:
        text = " / ".join(line["text"] for line in row["lines"]) or row["text"] or "(no text)"
        say(f"{shown(Path(row['path']))}: {text}")
    if not rows:
        note("no text found in any picture")
    return 0


def _rows(lib: Library, ids: list[int] | None) -> list[dict[str, Any]]:
    """Each item's text and boxed lines, by path: the named items, or all holding text."""
    texts = lib.ocr_texts(ids)
    wanted = list(texts) if ids is None else ids
    info = lib.items_info(wanted)
    rows = [
        {
            "path": info[i]["path"],
            "text": texts.get(i, ""),
            "lines": [
                {"text": ln["text"], "box": ln["box"], "score": ln["score"]}
                for ln in lib.ocr_lines(i)
            ],
        }
        for i in wanted
        if i in info
    ]
    return sorted(rows, key=lambda r: r["path"])
