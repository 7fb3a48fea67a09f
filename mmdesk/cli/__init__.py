"""The command-line front door: ``mmdesk <command>``. ``--json`` gives stable output.

Settings are resolved here, once, from the flags (then the environment, then the settings saved
in the data folder) and handed to the command; commands reach the library only through
:class:`mmdesk.core.library.Library`.

Command modules are imported lazily: ``mmdesk search`` imports the search commands only, not
what every other command needs (a one-shot query must start fast), while ``mmdesk --help``, an
unknown word or a command missing from :data:`COMMANDS` imports them all and builds the whole
tree, so nothing is ever missing from the help or the error messages.

A command that only reads (``search``, ``similar``: ``set_defaults(quick_exit=True)``) ends
its process as soon as its output is flushed, skipping the interpreter's tear-down of loaded
models and modules (~50 ms, a tenth of a one-shot query): by then its library is closed and
any cache it wrote is committed. Only the console entry point does this (:func:`run`), and
only while no other Python thread still runs and no profiler or tracer (coverage) waits to
write its report at exit.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import threading
from types import ModuleType
from typing import TYPE_CHECKING, NoReturn

from mmdesk import __version__
from mmdesk.errors import MmdeskError

if TYPE_CHECKING:
    from mmdesk.config import Settings

# The command modules (of this package), in the order --help lists their commands; each one's
# ``register(commands)`` adds its sub-commands. A new module goes here, and its commands go in
# COMMANDS (tests/remote/test_lazy_cli.py checks that the two agree).
MODULES = (
    "library_cmds",
    "watch_cmds",
    "search_cmds",
    "tag_cmds",
    "caption_cmds",
    "ocr_cmds",
    "people_cmds",
    "transcribe_cmds",
    "settings_cmds",
    "train_cmds",
    "sidecar_cmds",
    "backup_cmds",
    "models_cmds",
    "app_cmds",
)
# command word -> the module that registers it (a command left out still works, just slower).
COMMANDS = {
    "index": "library_cmds",
    "status": "library_cmds",
    "plugins": "library_cmds",
    "folders": "library_cmds",
    "watch": "watch_cmds",
    "search": "search_cmds",
    "similar": "search_cmds",
    "browse": "search_cmds",
    "tag": "tag_cmds",
    "tags": "tag_cmds",
    "caption": "caption_cmds",
    "captioners": "caption_cmds",
    "ocr": "ocr_cmds",
    "people": "people_cmds",
    "faces": "people_cmds",
    "transcribe": "transcribe_cmds",
    "transcript": "transcribe_cmds",
    "transcribers": "transcribe_cmds",
    "settings": "settings_cmds",
    "train": "train_cmds",
    "classifiers": "train_cmds",
    "export": "sidecar_cmds",
    "import": "sidecar_cmds",
    "backup": "backup_cmds",
    "restore": "backup_cmds",
    "models": "models_cmds",
    "sample": "app_cmds",
    "demo": "app_cmds",
    "gui": "app_cmds",
}

EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for `mmdesk ... | head -1`


class Parser(argparse.ArgumentParser):
    """argparse whose usage errors are one line in the house form, exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"mmdesk: error: {message} (see `{self.prog} --help`)\n")


def build_parser(modules: tuple[str, ...] = MODULES) -> Parser:
    """The command tree of ``modules`` (default: all); each registers its own sub-commands."""
    parser = Parser(
        prog="mmdesk",
        description="Search and tag your photos, sounds and videos by meaning, on your machine.",
    )
    parser.add_argument("--version", action="version", version=f"mmdesk {__version__}")
    _global_args(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in modules:
        command_module(name).register(commands)
    return parser


def command_module(name: str) -> ModuleType:
    """One command module of this package, imported now."""
    return importlib.import_module(f"{__name__}.{name}")


def _global_args(parser: argparse.ArgumentParser) -> None:
    """The options every command takes, before the command word."""
    parser.add_argument("--data-dir", help="library data folder (env MMDESK_DATA_DIR)")
    parser.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda"),
        help="where models run (env MMDESK_DEVICE; default auto)",
    )
    parser.add_argument("--threads", type=int, help="CPU threads for models (0 = automatic)")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output")


class _Probe(argparse.ArgumentParser):
    """A quiet parser that only finds the command word; it raises instead of exiting."""

    def error(self, message: str) -> NoReturn:
        raise ValueError(message)


def modules_for(argv: list[str]) -> tuple[str, ...]:
    """The command modules ``argv`` needs: its command's alone when it names a known command,
    else all of them (help, --version, typos and usage errors get the whole tree)."""
    probe = _Probe(add_help=False, allow_abbrev=True)
    _global_args(probe)
    probe.add_argument("command", nargs="?")
    probe.add_argument("rest", nargs=argparse.REMAINDER)
    try:
        found, _ = probe.parse_known_args(argv)
    except ValueError:
        return MODULES
    module = COMMANDS.get(str(found.command))
    return (module,) if module in MODULES else MODULES


def resolve_settings(args: argparse.Namespace) -> Settings:
    """Settings from the global flags, then say on stderr what resolution adjusted."""
    from mmdesk.config import Settings

    flags = {"data_dir": args.data_dir, "device": args.device, "threads": args.threads}
    settings = Settings.resolve(flags)
    for text in settings.notes:
        print(f"mmdesk: note: {text}", file=sys.stderr)
    return settings


def main(argv: list[str] | None = None, *, exit_at_once: bool = False) -> int:
    """Run one command; returns the exit status (0 ok, 1 a reported error, 2 usage).

    With ``exit_at_once``, a command marked ``quick_exit`` ends the process when it is done
    (see the module's docstring) instead of returning."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(modules_for(argv))
    args = parser.parse_args(argv)
    _configure_logging(args.verbose)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        status = int(args.func(args, resolve_settings(args)) or 0)
    except MmdeskError as exc:
        print(f"mmdesk: error: {exc}", file=sys.stderr)
        status = 1
    except KeyboardInterrupt:
        print("mmdesk: interrupted", file=sys.stderr)
        return 130
    if exit_at_once and getattr(args, "quick_exit", False):
        _exit_now(status)
    return status


def _exit_now(status: int) -> None:
    """End the process with ``status`` once the output is out, without the interpreter's
    tear-down; returns (the normal exit follows) while another Python thread still runs."""
    main_thread = threading.main_thread()
    if any(t is not main_thread and t.is_alive() and not t.daemon for t in threading.enumerate()):
        return
    if sys.gettrace() is not None or sys.getprofile() is not None:
        return
    sys.stdout.flush()  # a closed pipe raises here, for run() to handle as usual
    sys.stderr.flush()
    logging.shutdown()
    os._exit(status)


def _configure_logging(verbose: int) -> None:
    level = (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def run(argv: list[str] | None = None) -> None:
    """Console-script entry point; output into a closed pipe ends quietly (exit 141)."""
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")
    try:
        status = main(argv, exit_at_once=True)
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        status = EXIT_BROKEN_PIPE
    sys.exit(status)


def _silence_stdout() -> None:
    """Point stdout at devnull so the interpreter's final flush cannot raise again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
