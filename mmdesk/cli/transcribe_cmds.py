"""``mmdesk transcribe``, ``mmdesk transcript`` and ``mmdesk transcribers``: speech to text.

``transcribe [PATH...|--all] [--redo]`` runs the job indexing runs
(:class:`mmdesk.core.enrich.transcripts.TranscribeJob`) with the CLI's progress: named files
are heard unless they were already (``--redo`` hears them again), ``--all`` hears every sound
not heard yet. ``transcript PATH`` prints what was said in a file, one timed line per segment.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mmdesk.cli.output import emit_json, note, say, shown
from mmdesk.cli.tag_cmds import items_for
from mmdesk.config import Settings
from mmdesk.core.search.results import timestamp
from mmdesk.errors import MmdeskError

if TYPE_CHECKING:
    from mmdesk.core.library import Library

SEGMENTS_JSON = '{"start", "end", "text", "item_id"}'


def register(commands: Any) -> None:
    """Add ``transcribe``, ``transcript`` and ``transcribers``."""
    p = commands.add_parser("transcribe", help="write down what is said in audio and video")
    p.add_argument("paths", nargs="*", type=Path, help="library files to transcribe")
    p.add_argument("--all", action="store_true", help="every sound not transcribed yet")
    p.add_argument("--redo", action="store_true", help="transcribe again (keeps tagged moments)")
    p.add_argument(
        "--json", action="store_true", help=f'[{{"path", "segments": [{SEGMENTS_JSON}]}}]'
    )
    p.set_defaults(func=cmd_transcribe)
    p = commands.add_parser("transcript", help="print what was said in a file, with times")
    p.add_argument("path", type=Path, help="a library file")
    p.add_argument("--json", action="store_true", help=f'{{"path", "segments": [{SEGMENTS_JSON}]}}')
    p.set_defaults(func=cmd_transcript)
    p = commands.add_parser("transcribers", help="list the installed transcribers")
    p.add_argument("--json", action="store_true", help='[{"id", "plugin", "languages", "active"}]')
    p.set_defaults(func=cmd_transcribers)


def cmd_transcribe(args: argparse.Namespace, settings: Settings) -> int:
    """Transcribe the named files (or every unheard sound) and print what each says."""
    from mmdesk.cli.progress import run_with_progress
    from mmdesk.core.enrich.transcripts import TranscribeJob
    from mmdesk.core.library import Library

    if bool(args.paths) == bool(args.all):
        raise MmdeskError("name files to transcribe, or --all (not both)")
    with Library(settings) as lib:
        ids = None if args.all else items_for(lib, args.paths)
        job = TranscribeJob(ids, redo=args.redo)
        run_with_progress(lib, job, args.json)
        rows = [_row(lib, i) for i in (job.heard if ids is None else ids)]
    for path, why in job.failed:
        note(f"mmdesk: warning: {shown(path)}: {why}")
    if args.json:
        emit_json(rows)
    else:
        for row in rows:
            said = " / ".join(s["text"] for s in row["segments"]) or "(no speech)"
            say(f"{shown(Path(row['path']))}: {said}")
        if not rows and not job.failed:
            note("every sound has been transcribed already (see `mmdesk transcript PATH`)")
    return 1 if job.failed else 0


def cmd_transcript(args: argparse.Namespace, settings: Settings) -> int:
    """Print a file's transcript: ``[00:01:23.4 – 00:01:27.0] words`` per segment."""
    from mmdesk.core.library import Library

    with Library(settings) as lib:
        [item] = items_for(lib, [args.path])
        row = _row(lib, item)
    if args.json:
        emit_json(row)
        return 0
    for seg in row["segments"]:
        say(f"[{timestamp(seg['start'])} – {timestamp(seg['end'])}] {seg['text']}")
    if not row["segments"]:
        note(f"{shown(args.path)}: nothing said, or not transcribed yet (`mmdesk transcribe`)")
    return 0


def cmd_transcribers(args: argparse.Namespace, settings: Settings) -> int:
    """List the installed transcribers; the one in use is marked."""
    from mmdesk.core.enrich.transcripts import transcribers
    from mmdesk.core.library import Library

    with Library(settings) as lib:
        rows = transcribers(lib)
    if args.json:
        emit_json(rows)
        return 0
    if not rows:
        note("no transcriber is installed (pip install 'mmdesk[media]' brings Whisper tiny.en)")
    for row in rows:
        languages = ", ".join(row["languages"]) or "any language"
        say(f"{'*' if row['active'] else ' '} {row['id']}  ({languages})")
    return 0


def _row(lib: Library, item_id: int) -> dict[str, Any]:
    """A file's path and its transcript segments."""
    from mmdesk.core.enrich.transcripts import transcript

    path = lib.items_info([item_id])[item_id]["path"]
    segments = [
        {k: s[k] for k in ("start", "end", "text", "item_id")} for s in transcript(lib, item_id)
    ]
    return {"path": path, "segments": segments}
