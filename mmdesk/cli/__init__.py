"""The command-line front door: ``mmdesk <command>``. ``--json`` gives stable output."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from mmdesk import __version__
from mmdesk.cli import library_cmds, models_cmds
from mmdesk.errors import MmdeskError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mmdesk", description="Search and tag your photos by meaning, on your machine."
    )
    parser.add_argument("--version", action="version", version=f"mmdesk {__version__}")
    parser.add_argument("--data-dir", type=Path, help="library data folder (env MMDESK_DATA_DIR)")
    parser.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda"),
        help="where models run (env MMDESK_DEVICE; default auto)",
    )
    parser.add_argument("--threads", type=int, help="CPU threads for models (0 = automatic)")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    library_cmds.register(commands)
    models_cmds.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit status (0 ok, 1 a reported error, 2 usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=(logging.WARNING, logging.INFO, logging.DEBUG)[min(args.verbose, 2)],
        format="%(levelname)s %(name)s: %(message)s",
    )
    if args.data_dir:
        os.environ["MMDESK_DATA_DIR"] = str(args.data_dir.expanduser().absolute())
    if args.device:
        os.environ["MMDESK_DEVICE"] = args.device
    if args.threads is not None:
        os.environ["MMDESK_THREADS"] = str(args.threads)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except MmdeskError as exc:
        print(f"mmdesk: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("mmdesk: interrupted", file=sys.stderr)
        return 130


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
