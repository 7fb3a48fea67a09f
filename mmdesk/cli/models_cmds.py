"""Model commands: build-default, list, use, remove, export."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mmdesk.cli.output import emit_json, shown
from mmdesk.config import Settings
from mmdesk.errors import ExportError, MmdeskError
from mmdesk.kinds import Modality
from mmdesk.plugins.registry import DEFAULT_SPACE, Space
from mmdesk.plugins.spaces import DEFAULT_SOUND_SPACE as SOUND_SPACE

if TYPE_CHECKING:
    from mmdesk.core.library import Library
    from mmdesk.plugins.specs import EncoderSpec


def register(commands: Any) -> None:
    """Add ``models`` and its actions."""
    models = commands.add_parser("models", help="build, list, export and choose models")
    sub = models.add_subparsers(dest="models_command", metavar="ACTION")
    _register_build_and_list(sub)
    _register_use_and_remove(sub)
    _register_export(sub)
    _register_import(sub)
    models.set_defaults(func=lambda a, s: models.print_help() or 2)


def _register_build_and_list(sub: Any) -> None:
    p = sub.add_parser(
        "build-default", help="build the offline default models: pictures and words, sounds"
    )
    p.add_argument("--out", type=Path, help="plugin folder (default: the bundled plugins/default)")
    p.add_argument("--force", action="store_true", help="rebuild even if present and valid")
    p.set_defaults(func=cmd_build_default)

    p = sub.add_parser("list", help="installed models and the recommended catalogue")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)


def _register_use_and_remove(sub: Any) -> None:
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
    p.add_argument("--json", action="store_true", help="progress as JSON lines on stderr")
    p.set_defaults(func=cmd_use)

    p = sub.add_parser("remove", help="delete an exported model and its vectors")
    p.add_argument("space")
    p.add_argument("--yes", action="store_true", help="really delete")
    p.set_defaults(func=cmd_remove)


def _register_export(sub: Any) -> None:
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
    _register_captioner_export(kinds)
    _register_clap_export(kinds)
    export.set_defaults(func=lambda a, s: export.print_help() or 2)


def _register_captioner_export(kinds: Any) -> None:
    p = kinds.add_parser("captioner", help="a Hugging Face image-to-text model -> captioner plugin")
    p.add_argument(
        "--hf",
        required=True,
        help="model id (downloads weights: the only time mmdesk uses the network) or a "
        "save_pretrained folder; VisionEncoderDecoderModel or BlipForConditionalGeneration",
    )
    p.add_argument("--out", type=Path, help="plugin folder (default: <data dir>/plugins/<id>)")
    p.add_argument("--max-length", type=int, default=20, help="tokens per caption, start included")
    p.add_argument("--beams", type=int, default=1, help="beam search width (1: greedy)")
    p.set_defaults(func=cmd_export_captioner)


def _register_clap_export(kinds: Any) -> None:
    p = kinds.add_parser("clap", help="a Hugging Face CLAP model -> audio + text plugin")
    p.add_argument(
        "--hf",
        required=True,
        metavar="MODEL|FOLDER",
        help="model id, e.g. laion/clap-htsat-unfused (downloads weights: the only time mmdesk "
        "uses the network), or a save_pretrained folder (read offline)",
    )
    p.add_argument("--out", type=Path, help="plugin folder (default: <data dir>/plugins/<id>)")
    p.add_argument("--name", help="plugin name: its id and space become clap-NAME")
    p.set_defaults(func=cmd_export_clap)


def _register_import(sub: Any) -> None:
    p = sub.add_parser("import", help="make an optimum ONNX captioner folder a plugin")
    p.add_argument("folder", type=Path, help="encoder_model.onnx, decoder_*.onnx, tokenizer.json")
    p.add_argument("--out", type=Path, help="plugin folder (default: <data dir>/plugins/<id>)")
    p.set_defaults(func=cmd_import)


def _progress(message: str) -> None:
    print(f"  {message}", file=sys.stderr)


def default_model_at(folder: Path, space: str = DEFAULT_SPACE) -> bool:
    """Whether ``folder`` holds a valid plugin of ``space`` (checksums checked): the default
    model, or (``space=SOUND_SPACE``) the default sound model."""
    from mmdesk.plugins.discovery import discover

    if not (folder / "plugin.toml").is_file():
        return False
    found = discover([folder.parent], include_entry_points=False)
    return any(
        d.ok and d.manifest and space in d.manifest.spaces()
        for d in found
        if d.folder.resolve() == folder.resolve()
    )


def default_model_installed(settings: Settings) -> bool:
    """Whether any plugin folder of ``settings`` has a valid default model."""
    from mmdesk.core.library import Library

    with Library(settings) as lib:
        plugins = lib.plugins()
    return any(d.ok and d.manifest and DEFAULT_SPACE in d.manifest.spaces() for d in plugins)


def save_fast_copies(
    settings: Settings, specs: Iterable[EncoderSpec], *, quiet: bool = False
) -> list[Path]:
    """Save the optimised copies of ``specs``' ONNX models that a one-shot process (``mmdesk
    search``, ``similar``) opens, unless they are there: at install, export and switch, so the
    first query after does not make them (the default text model: ~0.6 s; open_clip
    ViT-B-32's: ~3 s). Returns the copies saved or found; never raises (derived data).
    ``quiet``: say nothing (``--json``: stderr carries only JSON progress lines)."""
    from mmdesk.plugins.registry import Registry
    from mmdesk.plugins.session import save_optimised

    options = Registry(settings, verify=False).options.for_one_shot()
    wanted = [s for s in specs if s.entry is None and s.model_path.suffix == ".onnx"]
    if wanted and not quiet:
        print("  saving the optimised models a search opens ...", file=sys.stderr)
    saved = [save_optimised(spec.model_path, options) for spec in wanted]
    return [path for path in saved if path is not None]


def plugin_specs(settings: Settings, folder: Path) -> list[EncoderSpec]:
    """The encoders of the valid plugin in ``folder`` (checksums checked), or none."""
    from mmdesk.plugins.discovery import discover

    if not (folder / "plugin.toml").is_file():
        return []
    found = discover(
        [folder.parent],
        include_entry_points=False,
        checksum_cache=settings.cache_dir / "checksums.json",
    )
    return [
        spec
        for d in found
        if d.ok and d.manifest and d.folder.resolve() == folder.resolve()
        for spec in d.manifest.encoders
    ]


def build_default_model(out: Path) -> Path:
    """Build the default plugin into ``out`` (needs the build extra)."""
    try:
        from mmdesk.export.default_model import build_default
    except ImportError as exc:
        raise MmdeskError(
            f"building the default model needs the build extra ({exc}): pip install 'mmdesk[build]'"
        ) from exc
    print(f"building the offline default model in {shown(out)} ...", file=sys.stderr)
    return build_default(out, progress=_progress)


def build_sound_model(out: Path) -> Path | None:
    """Build the default sound model (sound-effect embeddings from the aisfx package) into
    ``out``; without its weights, say so and go on (sounds are then indexed for their words
    only)."""
    try:
        from mmdesk.export.sound_model import build_sound
    except ImportError as exc:
        print(f"mmdesk: note: no sound model: {exc}", file=sys.stderr)
        return None
    print(f"building the offline sound model in {shown(out)} ...", file=sys.stderr)
    try:
        return build_sound(out, progress=_progress)
    except ExportError as exc:
        print(f"mmdesk: note: no sound model: {exc}", file=sys.stderr)
        return None


def ensure_default_model(settings: Settings) -> Path | None:
    """Build the bundled default plugins (pictures and words; sounds) unless valid ones are
    installed already, with the optimised copies a search opens."""
    sounds = settings.bundled_plugins / "sounds"
    if not default_model_at(sounds, SOUND_SPACE) and build_sound_model(sounds) is not None:
        save_fast_copies(settings, plugin_specs(settings, sounds))
    if default_model_installed(settings):
        return None
    built = build_default_model(settings.bundled_plugins / "default")
    save_fast_copies(settings, plugin_specs(settings, built))
    return built


def cmd_build_default(args: argparse.Namespace, settings: Settings) -> int:
    """Build the default model into ``--out`` and the sound model beside it (``sounds``);
    valid ones there are kept unless ``--force``."""
    out = args.out or settings.bundled_plugins / "default"
    if args.force or not default_model_at(out):
        build_default_model(out)
    save_fast_copies(settings, plugin_specs(settings, out))
    print(f"default model ready: {shown(out)}")
    sounds = out.parent / "sounds"
    if args.force or not default_model_at(sounds, SOUND_SPACE):
        build_sound_model(sounds)
    if default_model_at(sounds, SOUND_SPACE):
        save_fast_copies(settings, plugin_specs(settings, sounds))
        print(f"sound model ready: {shown(sounds)}")
    return 0


def _installed(lib: Library) -> list[dict[str, Any]]:
    """Installed spaces: those words can search (pictures) and those that compare sounds,
    each with the modality it serves and whether it is that modality's active one."""
    active: dict[str, str | None] = {}
    pending: dict[str, str | None] = {}
    modalities: tuple[Modality, ...] = ("image", "audio")
    for modality in modalities:
        try:
            active[modality] = lib.space(modality).id
        except MmdeskError:
            active[modality] = None
        found = lib.pending_space(modality)
        pending[modality] = found.id if found else None
    vectors = lib.status().get("embeddings", {})
    rows = []
    for s in lib.spaces().values():
        serves = space_modality(s)
        if serves is None:
            continue
        rows.append(
            {
                "space": s.id,
                "plugin": s.plugin_id,
                "modality": serves,
                "active": s.id == active[serves],
                "pending": s.id == pending[serves],
                "encoders": {m: e.id for m, e in s.encoders.items()},
                "dim": next(iter(s.encoders.values())).dim,
                "vectors": sum(vectors.get(e, 0) for e in s.encoder_ids(serves)),
                "coverage": round(lib.coverage(s, serves), 4),
            }
        )
    return rows


def space_modality(space: Space) -> Modality | None:
    """What a space is used for: pictures (searchable by words), sounds, or nothing alone."""
    if space.searchable and "image" in space.encoders:
        return "image"
    if "audio" in space.encoders:
        return "audio"
    return "image" if space.searchable else None


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


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    """Installed spaces (active, switching to) and the recommended open_clip catalogue."""
    from mmdesk.core.library import Library

    with Library(settings) as lib:
        installed = _installed(lib)
    recommended = _catalogue(installed)
    sounds = _clap_catalogue(installed)
    if args.json:
        emit_json({"installed": installed, "catalogue": recommended, "clap_catalogue": sounds})
        return 0
    _print_installed(installed)
    _print_catalogue(recommended)
    _print_clap_catalogue(sounds)
    return 0


def _clap_catalogue(installed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from mmdesk.export.catalogue import clap_catalogue
    from mmdesk.export.clap import plugin_id_for

    have = {row["plugin"] for row in installed}
    return [
        {"model": e.model, "note": e.note, "installed": plugin_id_for(e.model) in have}
        for e in clap_catalogue()
    ]


def _print_clap_catalogue(sounds: list[dict[str, Any]]) -> None:
    print("\nSounds by words (mmdesk models export clap --hf MODEL):")
    for e in sounds:
        print(f" {'i' if e['installed'] else ' '} {e['model']:<36} {e['note']}")


def _print_installed(installed: list[dict[str, Any]]) -> None:
    print("Installed (* active, > switching to; i below = installed):")
    for row in installed:
        mark = "*" if row["active"] else ">" if row["pending"] else " "
        what = " sounds" if row.get("modality") == "audio" else ""
        print(
            f" {mark} {row['space']:<44} dim {row['dim']:<4} {row['vectors']:>7} vectors "
            f"({row['coverage']:.0%} of the library{what})"
        )


def _print_catalogue(recommended: list[dict[str, Any]]) -> None:
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


def cmd_use(args: argparse.Namespace, settings: Settings) -> int:
    """Switch model: at once when its index is whole, else index for it (or mark it, --later)."""
    from mmdesk.cli.progress import run_with_progress
    from mmdesk.core.indexing import SwitchSpaceJob
    from mmdesk.core.library import Library

    if not args.space.strip():
        raise MmdeskError("name a model (space) to use: see `mmdesk models list`")
    with Library(settings) as lib:
        space = lib.spaces().get(args.space)
        modality: Any = (space_modality(space) if space else None) or "image"
        if space is not None:  # the first search after the switch opens them
            save_fast_copies(settings, space.encoders.values(), quiet=args.json)
        if args.later:
            lib.use_space(args.space, modality)
            return _say_where(lib, args.space, modality)
        job = SwitchSpaceJob(args.space, modality)
        run_with_progress(lib, job, args.json)
        if not job.done:
            return _say_unfinished(lib, args.space)
        said = _say_where(lib, args.space, modality)
        ready = modality == "image" and lib.space().id == args.space
    if ready:
        warm_first_search(settings)
    return said


def warm_first_search(settings: Settings) -> None:
    """Answer one query as ``mmdesk search`` does, so that the caches a model's first query
    fills (its tokenizer tables, the people prompts' vectors, the library's calibrated floor:
    ~2 s at a million items) are filled now, when a model was just chosen. Never raises."""
    from mmdesk.core import remote

    try:
        with remote.open_library(settings) as lib:
            lib.search("a photo")
    except MmdeskError as exc:  # a cache left empty: the first query fills it
        print(f"mmdesk: note: search caches not prepared: {exc}", file=sys.stderr)


def _say_where(lib: Library, wanted: str, modality: Any = "image") -> int:
    active = lib.space(modality).id
    if active == wanted:
        print(f"active space: {active}")
    else:
        print(
            f"switching to {wanted}: search keeps using {active} until the library is indexed "
            "for it (`mmdesk index` or the app does it)",
            file=sys.stderr,
        )
    return 0


def _say_unfinished(lib: Library, wanted: str) -> int:
    print(
        f"switching to {wanted} is not finished: search keeps using {lib.space().id}; "
        f"`mmdesk models use {wanted}` again goes on",
        file=sys.stderr,
    )
    return 1


def cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    """Delete an exported model's folder and its vectors (never a bundled or the active one)."""
    import shutil

    from mmdesk.core.library import Library

    with Library(settings) as lib:
        space = lib.spaces().get(args.space)
        if space is None:
            raise MmdeskError(f"no installed model has space {args.space!r}")
        folder = next(iter(space.encoders.values())).folder
        if settings.user_plugin_dir.resolve() not in folder.resolve().parents:
            raise MmdeskError(f"{shown(folder)} is not in your plugin folder; remove it by hand")
        if _active_space(lib) == space.id:
            raise MmdeskError("that is the active model: `mmdesk models use` another first")
        if not args.yes:
            print(
                f"would delete {shown(folder)} and its vectors; add --yes to do it", file=sys.stderr
            )
            return 1
        lib.remove_space_vectors(space)
    shutil.rmtree(folder)
    print(f"removed {space.id}")
    return 0


def _active_space(lib: Library) -> str | None:
    try:
        return lib.space().id
    except MmdeskError:
        return None


def cmd_export_openclip(args: argparse.Namespace, settings: Settings) -> int:
    """Export an open_clip model into a plugin folder (downloads weights only here)."""
    from mmdesk.export.openclip import export_openclip
    from mmdesk.export.openclip_manifest import plugin_id

    pretrained = None if args.pretrained.lower() in ("", "none") else args.pretrained
    out = args.out or settings.user_plugin_dir / plugin_id(args.arch, pretrained, args.precision)
    report = export_openclip(
        args.arch,
        pretrained,
        out,
        precision=args.precision,
        device=args.export_device,
        progress=_progress,
        allow_degraded=args.allow_degraded,
    )
    save_fast_copies(settings, plugin_specs(settings, Path(report.out_dir)))
    if args.json:
        emit_json(report.to_dict())
        return 0
    print(f"exported {report.plugin_id} to {report.out_dir} in {report.seconds:.0f}s")
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"use it with: mmdesk models use {report.plugin_id}")
    return 0


def cmd_export_captioner(args: argparse.Namespace, settings: Settings) -> int:
    """Export a Hugging Face captioner into a plugin folder (downloads weights only here)."""
    try:
        from mmdesk.export.hf_captioner import export_captioner
    except ImportError as exc:
        raise MmdeskError(
            f"exporting needs the export extra ({exc}): pip install 'mmdesk[export]'"
        ) from exc
    from mmdesk.export.optimum_import import plugin_id_for

    out = args.out or settings.user_plugin_dir / plugin_id_for(args.hf)
    folder = export_captioner(
        args.hf, out, max_length=args.max_length, num_beams=args.beams, progress=_progress
    )
    print(f"exported captioner {args.hf} to {shown(folder)}")
    return 0


def cmd_export_clap(args: argparse.Namespace, settings: Settings) -> int:
    """Export a Hugging Face CLAP model into a plugin folder (downloads weights only here)."""
    try:
        from mmdesk.export.clap import export_clap, plugin_id_for
    except ImportError as exc:
        raise MmdeskError(
            f"exporting needs the export extra ({exc}): pip install 'mmdesk[export]'"
        ) from exc

    pid = plugin_id_for(args.hf, args.name)
    out = args.out or settings.user_plugin_dir / pid
    folder = export_clap(args.hf, out, name=args.name, progress=_progress)
    save_fast_copies(settings, plugin_specs(settings, folder))
    print(f"exported CLAP {args.hf} to {shown(folder)}: sound search space {pid}")
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    """Copy an optimum-layout ONNX captioner into the user plugin folder, with checksums."""
    from mmdesk.export.optimum_import import import_optimum, plugin_id_for

    source = args.folder.resolve()
    out = args.out or settings.user_plugin_dir / plugin_id_for(source.name)
    folder = import_optimum(source, out, source=source.name)
    print(f"imported captioner {source.name} to {shown(folder)}")
    return 0
