"""Library commands: index, search, similar, status, plugins, folders, tag, sample, demo, gui."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from mmdesk.cli.output import emit_json, progress_printer
from mmdesk.config import Settings
from mmdesk.core.library import Library
from mmdesk.core.search import Filters, Result
from mmdesk.core.tasks import TaskState
from mmdesk.errors import MmdeskError
from mmdesk.plugins.registry import Registry


def register(commands: Any) -> None:
    p = commands.add_parser(
        "index", help="index folders or files (incremental); no PATH re-scans every library folder"
    )
    p.add_argument("paths", nargs="*", type=Path)
    p.add_argument("--batch", type=int, help="images per model batch (default 32)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_index)

    p = commands.add_parser("search", help="search by meaning with words")
    p.add_argument("text")
    _filter_args(p)
    p.set_defaults(func=cmd_search)

    p = commands.add_parser("similar", help="more like this: a file path or an item id")
    p.add_argument("target")
    _filter_args(p)
    p.set_defaults(func=cmd_similar)

    p = commands.add_parser("status", help="library counts, errors and models")
    p.add_argument("--json", action="store_true")
    p.add_argument("--errors", action="store_true", help="list files that failed")
    p.set_defaults(func=cmd_status)

    p = commands.add_parser("plugins", help="discovered plugins and their errors")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_plugins)

    p = commands.add_parser("folders", help="list, add or remove library folders")
    p.add_argument("action", nargs="?", choices=("list", "add", "remove"), default="list")
    p.add_argument("path", nargs="?", type=Path)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_folders)

    p = commands.add_parser("tag", help="label items: tag add|remove NAME PATH..., tag list")
    p.add_argument("action", choices=("add", "remove", "list", "show"))
    p.add_argument("name", nargs="?")
    p.add_argument("paths", nargs="*", type=Path)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_tag)

    p = commands.add_parser("sample", help="write the bundled sample library")
    p.add_argument("--out", type=Path, help="folder (default: <data dir>/sample-library)")
    p.set_defaults(func=cmd_sample)

    p = commands.add_parser(
        "demo",
        help="build the default model, index the sample library, "
        "open the app (or search with --no-gui)",
    )
    p.add_argument("--no-gui", action="store_true", help="print an example search instead")
    p.set_defaults(func=cmd_demo)

    p = commands.add_parser("gui", help="open the desktop app")
    p.set_defaults(func=cmd_gui)


def _filter_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--kind", action="append", choices=("image", "video", "audio"), default=[])
    p.add_argument("--under", action="append", type=Path, default=[], help="only in this folder")
    p.add_argument("--tag", action="append", default=[], help="only items with this tag")
    p.add_argument("--min-score", type=float)
    p.add_argument("--sort", choices=("relevance", "date"), default="relevance")
    p.add_argument("--json", action="store_true")


def _filters(args: argparse.Namespace) -> Filters:
    return Filters(
        kinds=args.kind,
        under=[str(u) for u in args.under],
        tags=args.tag,
        min_score=args.min_score,
        limit=args.limit,
        sort=args.sort,
    )


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings()
    if getattr(args, "batch", None):
        settings.batch_size = args.batch
    return settings


def cmd_index(args: argparse.Namespace) -> int:
    with Library(_settings(args)) as lib:
        state = TaskState(None if args.json else progress_printer())
        if not args.paths and not lib.library_roots():
            raise MmdeskError("no library folders yet: mmdesk index PATH")
        report = lib.index(args.paths or None, state)
    summary: dict[str, Any] = {
        "found": report.found,
        "indexed": report.indexed,
        "skipped": report.skipped,
        "moved": report.moved,
        "errors": report.errors,
        "missing": report.missing,
        "seconds": round(report.seconds, 2),
        "rate": round(report.rate, 2),
        "problems": report.problems,
    }
    if args.json:
        emit_json(summary)
    else:
        print(
            f"{report.indexed} indexed, {report.skipped} unchanged, {report.moved} moved, "
            f"{report.errors} errors, {report.missing} missing "
            f"({report.seconds:.1f}s, {report.rate:.1f} files/s)"
        )
    return 0


def _print_results(results: list[Result], as_json: bool) -> None:
    if as_json:
        emit_json([r.to_json() for r in results])
        return
    if not results:
        print("no results", file=sys.stderr)
    for r in results:
        when = f" @{r.start:.1f}s" if r.start is not None else ""
        print(f"{r.score:6.3f}  {r.kind:<13} {r.path}{when}")


def cmd_search(args: argparse.Namespace) -> int:
    with Library(_settings(args)) as lib:
        _print_results(lib.search(args.text, _filters(args)), args.json)
    return 0


def cmd_similar(args: argparse.Namespace) -> int:
    with Library(_settings(args)) as lib:
        _print_results(lib.similar(args.target, _filters(args)), args.json)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    with Library(_settings(args)) as lib:
        status = lib.status()
        status["plugins"] = [
            {"id": d.manifest.id if d.manifest else None, "folder": str(d.folder), "error": d.error}
            for d in lib.registry.discovered()
        ]
        status["error_files"] = [{"path": p, "error": e} for p, e in lib.store.errors()]
    if args.json:
        emit_json(status)
        return 0
    print(f"data: {status['data_dir']}\nspace: {status['space'] or 'none (no usable model)'}")
    print(
        f"files: {status['files']} indexed, {status['errors']} errors, "
        f"{status['missing']} missing; items: {status['items']}; tags: {status['tags']}"
    )
    for encoder, count in status["embeddings"].items():
        print(f"  {encoder}: {count} vectors")
    if args.errors:
        for entry in status["error_files"]:
            print(f"  error: {entry['path']}: {entry['error']}")
    return 0


def cmd_plugins(args: argparse.Namespace) -> int:
    registry = Registry(Settings())
    found = registry.discovered()
    rows: list[dict[str, Any]] = [
        {
            "id": d.manifest.id if d.manifest else None,
            "ok": d.ok,
            "source": d.source,
            "folder": str(d.folder),
            "error": d.error,
            "version": d.manifest.version if d.manifest else None,
            "encoders": [e.id for e in d.manifest.encoders] if d.manifest else [],
        }
        for d in found
    ]
    if args.json:
        emit_json(rows)
        return 0
    if not rows:
        print("no plugins found; run `mmdesk models build-default`")
    for row in rows:
        state = "ok" if row["ok"] else "BROKEN"
        print(f"{state:<7} {row['id'] or '?':<36} {row['source']:<12} {row['folder']}")
        if row["error"]:
            print(f"        {row['error']}")
        for encoder in row["encoders"]:
            print(f"        - {encoder}")
    return 0


def cmd_folders(args: argparse.Namespace) -> int:
    with Library(_settings(args)) as lib:
        if args.action == "add" and args.path:
            lib.store.add_folder(args.path)
        elif args.action == "remove" and args.path:
            removed = lib.store.remove_folder(args.path)
            print(f"removed {args.path} ({removed} files forgotten)", file=sys.stderr)
        folders = lib.store.folders()
    if args.json:
        emit_json(folders)
    else:
        for f in folders:
            print(f"{f['items']:>7} items  {f['errors']:>4} errors  {f['state']:<9} {f['path']}")
    return 0


def cmd_tag(args: argparse.Namespace) -> int:
    with Library(_settings(args)) as lib:
        if args.action == "list":
            counts = lib.store.tag_counts()
            if args.json:
                emit_json([{"tag": t, "items": n} for t, n in counts])
            for tag, count in [] if args.json else counts:
                print(f"{count:>6}  {tag}")
            return 0
        items = _items_for(lib, args.paths)
        if args.action == "show":
            emit_json({str(p): lib.store.labels_for(i) for p, i in zip(args.paths, items)})
            return 0
        if not args.name:
            raise SystemExit("mmdesk tag add|remove needs a tag name")
        if args.action == "add":
            lib.store.add_label(items, args.name)
        else:
            lib.store.remove_label(items, args.name)
    print(f"{args.action}: {args.name!r} on {len(items)} items", file=sys.stderr)
    return 0


def _items_for(lib: Library, paths: list[Path]) -> list[int]:
    items = []
    for path in paths:
        item = lib.store.item_for_path(str(path.expanduser().absolute()))
        if item is None:
            raise MmdeskError(f"{path} is not in the library (index it first)")
        items.append(item)
    return items


def cmd_sample(args: argparse.Namespace) -> int:
    from mmdesk.core.sample import make_sample_library

    out = args.out or Settings().data_dir / "sample-library"
    files = make_sample_library(out)
    print(f"{len(files)} sample photos in {out}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from mmdesk.cli.models_cmds import ensure_default_model
    from mmdesk.core.sample import make_sample_library

    settings = Settings()
    ensure_default_model()
    sample = settings.data_dir / "sample-library"
    make_sample_library(sample)
    if not args.no_gui and _has_display():
        return cmd_gui(args, initial_folder=sample)
    if not args.no_gui:
        print(
            "no display found (DISPLAY/WAYLAND_DISPLAY unset): showing searches instead of "
            "the window",
            file=sys.stderr,
        )
    with Library(settings) as lib:
        report = lib.index([sample], TaskState(progress_printer()))
        print(f"indexed {report.indexed} new photos ({report.skipped} unchanged) in {sample}")
        for query in ("a cat", "a cup of coffee", "a rocket launch"):
            print(f"\nmmdesk search {query!r}")
            _print_results(lib.search(query, Filters(limit=3)), False)
    return 0


def _has_display() -> bool:
    """Whether a window can open: always off Linux; on Linux an X11/Wayland display or an
    explicit Qt platform (offscreen, for tests) is needed."""
    if not sys.platform.startswith("linux"):
        return True
    return any(os.environ.get(k) for k in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def cmd_gui(args: argparse.Namespace, initial_folder: Path | None = None) -> int:
    try:
        from mmdesk.gui.app import run_app
    except ImportError as exc:
        raise MmdeskError(
            f"the desktop app needs PySide6 ({exc}); pip install 'mmdesk[gui]'"
        ) from exc
    return int(run_app(initial_folder=initial_folder))
