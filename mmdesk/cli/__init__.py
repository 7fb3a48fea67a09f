"""The command-line front door: ``mmdesk <command>``. ``--json`` gives stable output.

Settings are resolved here, once, from the flags (then the environment, then the settings saved
in the data folder) and handed to the command; commands reach the library only through
:class:`mmdesk.core.library.Library`.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import NoReturn

from mmdesk import __version__
from mmdesk.cli import (
    app_cmds,
    backup_cmds,
    caption_cmds,
    library_cmds,
    models_cmds,
    ocr_cmds,
    people_cmds,
    search_cmds,
    settings_cmds,
    sidecar_cmds,
    tag_cmds,
    train_cmds,
    transcribe_cmds,
)
from mmdesk.config import Settings
from mmdesk.errors import MmdeskError

EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for `mmdesk ... | head -1`


class Parser(argparse.ArgumentParser):
    """argparse whose usage errors are one line in the house form, exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"mmdesk: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> Parser:
    """The whole command tree; each command module registers its own sub-commands."""
    parser = Parser(
        prog="mmdesk",
        description="Search and tag your photos, sounds and videos by meaning, on your machine.",
    )
    parser.add_argument("--version", action="version", version=f"mmdesk {__version__}")
    parser.add_argument("--data-dir", help="library data folder (env MMDESK_DATA_DIR)")
    parser.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda"),
        help="where models run (env MMDESK_DEVICE; default auto)",
    )
    parser.add_argument("--threads", type=int, help="CPU threads for models (0 = automatic)")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (
        library_cmds,
        search_cmds,
        tag_cmds,
        caption_cmds,
        ocr_cmds,
        people_cmds,
        transcribe_cmds,
        settings_cmds,
        train_cmds,
        sidecar_cmds,
        backup_cmds,
        models_cmds,
        app_cmds,
    ):
        module.register(commands)
    return parser


def resolve_settings(args: argparse.Namespace) -> Settings:
    """Settings from the global flags, then say on stderr what resolution adjusted."""
    flags = {"data_dir": args.data_dir, "device": args.device, "threads": args.threads}
    settings = Settings.resolve(flags)
    for text in settings.notes:
        print(f"mmdesk: note: {text}", file=sys.stderr)
    return settings


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit status (0 ok, 1 a reported error, 2 usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args, resolve_settings(args)) or 0)
    except MmdeskError as exc:
        print(f"mmdesk: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("mmdesk: interrupted", file=sys.stderr)
        return 130


def _configure_logging(verbose: int) -> None:
    level = (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def run(argv: list[str] | None = None) -> None:
    """Console-script entry point; output into a closed pipe ends quietly (exit 141)."""
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")
    try:
        status = main(argv)
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        status = EXIT_BROKEN_PIPE
    sys.exit(status)


def _silence_stdout() -> None:
    """Point stdout at devnull so the interpreter's final flush cannot raise again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
