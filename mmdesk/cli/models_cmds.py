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

    p = sub.add_parser(
        "use",
        help="switch model: re-index for it, keep searching the old one "
        "until the new index is whole",
    )
    p.add_argument("space")
    p.add_argument(
        "--later",
        action="store_true",
        help="only mark the switch; the next `mmdesk index` or the app does the work",
    )
    p.set_defaults(func=cmd_use)

    p = sub.add_parser("remove", help="delete an exported model and its vectors")
    p.add_argument("space")
    p.add_argument("--yes", action="store_true", help="really delete")
    p.set_defaults(func=cmd_remove)

    export = sub.add_parser("export", help="turn a model into a plugin on this machine")
    kinds = export.add_subparsers(dest="export_kind", metavar="KIND")
    p = kinds.add_parser("openclip", help="any open_clip model -> ONNX plugin")
    p.add_argument("--arch", required=True, help="open_clip architecture, e.g. ViT-B-32")
    p.add_argument(
        "--pretrained",
        default="none",
        help="pretrained tag (downloads weights: the only time mmdesk uses the "
        "network), a checkpoint file, or 'none' for random weights",
    )
    p.add_argument("--precision", choices=("fp32", "fp16", "int8"), default="fp32")
    p.add_argument(
        "--batch",
        choices=("dynamic",),
        default="dynamic",
        help="batch dimension of the ONNX graphs (always dynamic)",
    )
    p.add_argument("--out", type=Path, help="plugin folder (default: <data dir>/plugins/<id>)")
    p.add_argument(
        "--device",
        dest="export_device",
        choices=("auto", "cpu", "cuda"),
        default="auto",
        help="torch device for export and parity check",
    )
    p.add_argument(
        "--allow-degraded",
        action="store_true",
        help="keep an fp16/int8 export that misses the parity thresholds",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_export_openclip)
    export.set_defaults(func=lambda a: export.print_help() or 2)
    models.set_defaults(func=lambda a: models.print_help() or 2)


def _progress(message: str) -> None:
    print(f"  {message}", file=sys.stderr)


def default_model_ok() -> bool:
    registry = Registry(Settings())
    return any(
        d.ok and d.manifest and DEFAULT_SPACE in d.manifest.spaces() for d in registry.discovered()
    )


def ensure_default_model(force: bool = False, out: Path = DEFAULT_PLUGIN_DIR) -> Path:
    """Build the default plugin unless a valid one is already installed."""
    if not force and default_model_ok():
        return out
    try:
        from mmdesk.export.default_model import build_default
    except ImportError as exc:
        raise MmdeskError(
            f"building the default model needs the build extra ({exc}): pip install 'mmdesk[build]'"
        ) from exc
    print(f"building the offline default model in {out} ...", file=sys.stderr)
    return build_default(out, progress=_progress)


def cmd_build_default(args: argparse.Namespace) -> int:
    path = ensure_default_model(args.force, args.out)
    print(f"default model ready: {path}")
    return 0


def _installed(lib: Any) -> list[dict[str, Any]]:
    try:
        active: str | None = lib.space().id
    except MmdeskError:
        active = None
    pending = lib.pending_space()
    vectors = lib.store.counts()["embeddings"]
    return [
        {
            "space": s.id,
            "plugin": s.plugin_id,
            "active": s.id == active,
            "pending": bool(pending and pending.id == s.id),
            "encoders": {m: e.id for m, e in s.encoders.items()},
            "dim": next(iter(s.encoders.values())).dim,
            "vectors": sum(vectors.get(e, 0) for e in s.encoder_ids()),
            "coverage": round(lib.coverage(s), 4),
        }
        for s in lib.registry.spaces().values()
        if s.searchable
    ]


def _catalogue(installed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from mmdesk.export.catalogue import catalogue
    from mmdesk.export.openclip_manifest import plugin_id

    have = {row["plugin"] for row in installed}
    return [
        {
            "arch": e.arch,
            "pretrained": e.pretrained,
            "params_m": e.params_m,
            "size_mb_fp32": e.fp32_mb,
            "dim": e.embed_dim,
            "image_size": e.image_size,
            "flickr30k_t2i_r1": e.flickr_t2i_r1,
            "mscoco_t2i_r1": e.coco_t2i_r1,
            "source": e.source,
            "note": e.note,
            "installed": plugin_id(e.arch, e.pretrained, "fp32") in have,
        }
        for e in catalogue()
    ]


def cmd_list(args: argparse.Namespace) -> int:
    from mmdesk.core.library import Library

    with Library(Settings()) as lib:
        installed = _installed(lib)
    recommended = _catalogue(installed)
    if args.json:
        emit_json({"installed": installed, "catalogue": recommended})
        return 0
    print("Installed (* active, > switching to; i below = installed):")
    for row in installed:
        mark = "*" if row["active"] else ">" if row["pending"] else " "
        print(
            f" {mark} {row['space']:<44} dim {row['dim']:<4} {row['vectors']:>7} vectors "
            f"({row['coverage']:.0%} of the library)"
        )
    print("\nRecommended (mmdesk models export openclip --arch A --pretrained P):")
    print(
        f"   {'arch':<16} {'pretrained':<19} {'MB fp32':>7} {'dim':>4} {'Flickr R@1':>10} "
        f"{'COCO R@1':>8}"
    )
    for e in recommended:
        flickr = "-" if e["flickr30k_t2i_r1"] is None else f"{e['flickr30k_t2i_r1']:.1f}"
        coco = "-" if e["mscoco_t2i_r1"] is None else f"{e['mscoco_t2i_r1']:.1f}"
        mark = "i" if e["installed"] else " "
        print(
            f" {mark} {e['arch']:<16} {e['pretrained']:<19} {e['size_mb_fp32']:>7.0f} "
            f"{e['dim']:>4} {flickr:>10} {coco:>8}  {e['note']}"
        )
    print("   text->image recall@1 (%) from open_clip's published retrieval table")
    return 0


def cmd_use(args: argparse.Namespace) -> int:
    from mmdesk.cli.output import progress_printer
    from mmdesk.core.library import Library
    from mmdesk.core.tasks import TaskState

    with Library(Settings()) as lib:
        if lib.use_space(args.space):
            print(f"active space: {args.space}")
            return 0
        print(
            f"switching to {args.space}: search keeps using {lib.space().id} until the "
            "library is indexed for it",
            file=sys.stderr,
        )
        if args.later:
            return 0
        lib.index(None, TaskState(progress_printer(f"indexing for {args.space}")))
        print(f"active space: {lib.space().id}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    import shutil

    from mmdesk.core.library import Library

    settings = Settings()
    with Library(settings) as lib:
        space = lib.registry.spaces().get(args.space)
        if space is None:
            raise MmdeskError(f"no installed model has space {args.space!r}")
        folder = next(iter(space.encoders.values())).folder
        if settings.user_plugin_dir.resolve() not in folder.resolve().parents:
            raise MmdeskError(f"{folder} is not in your plugin folder; remove it by hand")
        if lib.store.get_setting("active_space") == space.id:
            raise MmdeskError("that is the active model: `mmdesk models use` another first")
        if not args.yes:
            print(f"would delete {folder} and its vectors; add --yes to do it", file=sys.stderr)
            return 1
        with lib.store.transaction():
            for encoder_id in [e.id for e in space.encoders.values()]:
                lib.store.conn.execute("DELETE FROM embeddings WHERE encoder=?", (encoder_id,))
            lib.store.conn.execute(
                "DELETE FROM settings WHERE key='pending_space' AND value=?", (space.id,)
            )
        shutil.rmtree(folder)
    print(f"removed {space.id}")
    return 0


def cmd_export_openclip(args: argparse.Namespace) -> int:
    from mmdesk.export.openclip import export_openclip
    from mmdesk.export.openclip_manifest import plugin_id

    pretrained = None if args.pretrained.lower() in ("", "none") else args.pretrained
    out = args.out or Settings().user_plugin_dir / plugin_id(args.arch, pretrained, args.precision)
    report = export_openclip(
        args.arch,
        pretrained,
        out,
        precision=args.precision,
        device=args.export_device,
        progress=_progress,
        allow_degraded=args.allow_degraded,
    )
    if args.json:
        emit_json(report.to_dict())
        return 0
    print(f"exported {report.plugin_id} to {report.out_dir} in {report.seconds:.0f}s")
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"use it with: mmdesk models use {report.plugin_id}")
    return 0
