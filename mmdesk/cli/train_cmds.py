"""Classifier commands: ``train [TAG...]`` learns a person's tags, ``classifiers`` lists them.

Training is ``mmdesk.train`` (torch), imported only when ``train`` runs so that every other
command starts without torch. The training job saves the classifier plugin and predicts every
item with it; the command reports the metrics and how many items each tag is now predicted on.
"""

from __future__ import annotations

import argparse
from typing import Any

from mmdesk.cli.output import emit_json, note, say, when
from mmdesk.cli.progress import run_with_progress
from mmdesk.config import Settings
from mmdesk.core.library import Library
from mmdesk.errors import MmdeskError


def register(commands: Any) -> None:
    """Add ``train`` and ``classifiers``."""
    p = commands.add_parser("train", help="learn your tags from your labels, then tag everything")
    p.add_argument("tags", nargs="*", metavar="TAG", help="tags to learn (default: all yours)")
    p.add_argument(
        "--device",
        dest="train_device",
        choices=("auto", "cpu", "cuda"),
        help="where training runs (default: the global --device, else auto)",
    )
    p.add_argument("--seed", type=int, help="random seed: the same seed gives the same model")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_train)
    p = commands.add_parser("classifiers", help="installed tag classifiers and their metrics")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_classifiers)


def cmd_train(args: argparse.Namespace, settings: Settings) -> int:
    """Train on the current labels, report cross-validated metrics, predict every item."""
    from mmdesk.train.job import TrainJob
    from mmdesk.train.options import TrainConfig

    config = TrainConfig(device=args.train_device or settings.device)
    if args.seed is not None:
        config.seed = args.seed
    with Library(settings) as lib:
        job = TrainJob(list(args.tags), config=config)
        run_with_progress(lib, job, args.json)  # trains, saves the plugin, predicts every item
        if job.plugin_dir is None or job.result is None:
            raise MmdeskError("training ended without a classifier")
        classifier = lib.adopt_classifier(job.plugin_dir)
        predicted = {tag: lib.label_counts(tag)["predicted"] for tag in classifier["tags"]}
    metrics = job.result.metrics.to_json()
    if args.json:
        emit_json({**metrics, "classifier": classifier["id"], "predicted": predicted})
        return 0
    for line in metrics_lines(metrics):
        say(line)
    say(predicted_line(predicted))
    note(f"classifier {classifier['id']!r} saved in {classifier['folder']}")
    return 0


def metrics_lines(metrics: dict[str, Any]) -> list[str]:
    """The metrics as a table a person reads: one row per tag, then the overall figures."""
    lines = [
        f"{'tag':<20} {'precision':>9} {'recall':>7} {'F1':>6} {'threshold':>9} {'+':>5} {'-':>5}"
    ]
    for t in metrics["per_tag"]:
        lines.append(
            f"{t['tag'][:20]:<20} {t['precision']:>9.3f} {t['recall']:>7.3f} {t['f1']:>6.3f} "
            f"{t['threshold']:>9.3f} {t['positives']:>5} {t['negatives']:>5}"
        )
    weights = ", ".join(f"{m} {w:.2f}" for m, w in metrics.get("modality_weight", {}).items())
    folds = f"{metrics['folds']}-fold cross-validated" if metrics["folds"] else "not measured"
    lines.append(
        f"accuracy {metrics['accuracy']:.3f}, macro-F1 {metrics['macro_f1']:.3f} ({folds})"
        + (f"; modality weight: {weights}" if weights else "")
    )
    return lines


def predicted_line(predicted: dict[str, int]) -> str:
    """How many items each tag is now predicted on (those no one labelled)."""
    parts = ", ".join(f"{tag} on {n} items" for tag, n in predicted.items())
    return f"predicted: {parts or 'nothing'}"


def cmd_classifiers(args: argparse.Namespace, settings: Settings) -> int:
    """Installed classifiers: their tags, macro-F1, when trained and whether active."""
    with Library(settings) as lib:
        found = lib.classifiers()
    if args.json:
        emit_json(found)
        return 0
    if not found:
        note("no classifiers yet: label some items, then `mmdesk train`")
    for c in found:
        f1 = c["metrics"].get("macro_f1")
        score = "macro-F1 ?" if f1 is None else f"macro-F1 {f1:.3f}"
        state = "active" if c["active"] else "inactive (its model is not the active one)"
        say(f"{c['id']}: {', '.join(c['tags'])}; {score}; trained {when(c['trained_at'])}; {state}")
    return 0
