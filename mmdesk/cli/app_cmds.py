"""Commands around the app: ``sample``, ``demo`` and ``gui`` (the CLI's one import of the GUI)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from mmdesk.cli.output import note, say, shown
from mmdesk.config import Settings
from mmdesk.errors import MmdeskError

DEMO_QUERIES = ("a cat", "a cup of coffee", "a rocket launch")


def register(commands: Any) -> None:
    """Add ``sample``, ``demo`` and ``gui``."""
    p = commands.add_parser("sample", help="write the bundled sample library")
    p.add_argument("--out", type=Path, help="folder (default: <data dir>/sample-library)")
    p.set_defaults(func=cmd_sample)

    p = commands.add_parser(
        "demo",
        help="build the default model, index the sample library, "
        "open the app (or search with --no-gui)",
    )
    p.add_argument("--no-gui", action="store_true", help="print example searches instead")
    p.set_defaults(func=cmd_demo)

    p = commands.add_parser("gui", help="open the desktop app")
    p.set_defaults(func=cmd_gui)


def cmd_sample(args: argparse.Namespace, settings: Settings) -> int:
    """Write the sample library (scikit-image's photos) to a folder."""
    from mmdesk.core.sample import make_sample_library

    out = args.out or settings.data_dir / "sample-library"
    files = make_sample_library(out)
    say(f"{len(files)} sample photos in {shown(out)}")
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Default model + sample library, then the window, or searches where there is no display."""
    from mmdesk.cli.models_cmds import ensure_default_model
    from mmdesk.core.sample import make_sample_library

    ensure_default_model(settings)
    sample = settings.data_dir / "sample-library"
    make_sample_library(sample)
    if not args.no_gui and has_display():
        return cmd_gui(args, settings, initial_folder=sample)
    if not args.no_gui:
        note("no display found (DISPLAY/WAYLAND_DISPLAY unset): showing searches instead")
    _demo_searches(settings, sample)
    return 0


def _demo_searches(settings: Settings, sample: Path) -> None:
    from mmdesk.cli.progress import run_with_progress
    from mmdesk.cli.search_cmds import print_results
    from mmdesk.core.indexing import IndexJob
    from mmdesk.core.library import Library
    from mmdesk.core.search import Filters

    job = IndexJob([sample])
    with Library(settings) as lib:
        run_with_progress(lib, job)
        say(f"indexed {job.report.indexed} new photos ({job.report.skipped} unchanged) in {sample}")
        for query in DEMO_QUERIES:
            say(f"\nmmdesk search {query!r}")
            print_results(lib.search(query, Filters(limit=3)), False)


def has_display() -> bool:
    """Whether a window can open: always off Linux; on Linux an X11/Wayland display or an
    explicit Qt platform (offscreen, for tests) is needed."""
    if not sys.platform.startswith("linux"):
        return True
    return any(os.environ.get(k) for k in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def cmd_gui(
    args: argparse.Namespace, settings: Settings, initial_folder: Path | None = None
) -> int:
    """Open the desktop app (needs the gui extra)."""
    try:
        from mmdesk.gui.app import run_app
    except ImportError as exc:
        raise MmdeskError(
            f"the desktop app needs PySide6 ({exc}); pip install 'mmdesk[gui]'"
        ) from exc
    return int(run_app(initial_folder=initial_folder, settings=settings))
