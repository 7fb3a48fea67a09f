"""``mmdesk settings [KEY [VALUE]]``: the library's own settings (reading text, captions,
transcripts, video sampling), listed with their meaning, read, set and reset."""

from __future__ import annotations

import argparse
from typing import Any

from mmdesk.cli.output import emit_json, say
from mmdesk.config import Settings
from mmdesk.core.library import Library
from mmdesk.core.library_settings import SETTINGS, get_setting, set_setting


def register(commands: Any) -> None:
    p = commands.add_parser(
        "settings",
        help="the library's settings: list them, read one, or set one",
        description="With no KEY, every setting with its value and meaning. "
        "KEY VALUE sets it; --reset KEY goes back to the default.",
    )
    p.add_argument("key", nargs="?", choices=sorted(SETTINGS), metavar="KEY")
    p.add_argument("value", nargs="?")
    p.add_argument("--reset", action="store_true", help="back to the default")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_settings)


def cmd_settings(args: argparse.Namespace, settings: Settings) -> int:
    with Library(settings) as lib:
        if args.key and (args.value is not None or args.reset):
            value = set_setting(lib.store, args.key, None if args.reset else args.value)
            say(f"{args.key} = {value}")
            return 0
        keys = [args.key] if args.key else list(SETTINGS)
        values = {k: get_setting(lib.store, k) for k in keys}
    if args.json:
        emit_json(values)
        return 0
    for key, value in values.items():
        say(f"{key:<22} {value:<6} {SETTINGS[key].help}")
    return 0
