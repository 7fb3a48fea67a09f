"""Tag commands: ``tag add|remove|not NAME PATH...``, ``tag list``, ``tag show PATH...``,
``tag review TAG``; managing tags: ``tags [list]``, ``tags rename|merge|delete|color``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from mmdesk.cli.output import emit_json, note, say, shown
from mmdesk.config import Settings
from mmdesk.core.library import Library
from mmdesk.core.tagging.sources import source_kind
from mmdesk.errors import MmdeskError

__all__ = ["register", "source_kind"]
# action -> (its help, what it says it did)
CHANGES = {
    "add": ("put a tag on files", "tag {name!r} added to {n} items"),
    "remove": (
        "take a tag off files (what you said: is, or is not)",
        "tag {name!r} removed from {n} items",
    ),
    "not": (
        "say files are not a tag (a negative example for training)",
        "{n} items marked not {name!r}",
    ),
}


def register(commands: Any) -> None:
    """Add ``tag`` and its actions."""
    tag = commands.add_parser(
        "tag", help="label items: tag add|remove|not NAME PATH..., list, show, review"
    )
    actions = tag.add_subparsers(dest="tag_action", metavar="ACTION", required=True)
    for action, (what, _) in CHANGES.items():
        p = actions.add_parser(action, help=what)
        p.add_argument("name")
        p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
        p.set_defaults(func=cmd_tag_change, tag_action=action)
    p = actions.add_parser("list", help="every tag and how many items carry it")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_tag_list)
    p = actions.add_parser("show", help="the tags of each file")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_tag_show)
    p = actions.add_parser("review", help="predicted, unlabelled items of a tag to confirm")
    p.add_argument("name", metavar="TAG")
    p.add_argument("--uncertain", action="store_true", help="nearest the threshold first")
    p.add_argument("--limit", type=int, default=20, help="at most N items (default 20)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_tag_review)
    register_tags(commands)


def register_tags(commands: Any) -> None:
    """Add ``tags``: list (the default), rename, merge, delete and colour tags."""
    tags = commands.add_parser(
        "tags", help="manage tags (nested as Parent/Child): list, rename, merge, delete, color"
    )
    tags.add_argument("--json", action="store_true")
    tags.set_defaults(func=cmd_tags_list)
    actions = tags.add_subparsers(dest="tags_action", metavar="ACTION")
    p = actions.add_parser("list", help="every tag as a tree, with items and colour")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_tags_list)
    p = actions.add_parser("rename", help="rename a tag (and the tags under it)")
    p.add_argument("old"), p.add_argument("new")
    p.set_defaults(func=cmd_tags_edit)
    p = actions.add_parser("merge", help="move a tag's labels to another tag and delete it")
    p.add_argument("source", metavar="SRC"), p.add_argument("into", metavar="INTO")
    p.set_defaults(func=cmd_tags_edit)
    p = actions.add_parser("delete", help="delete a tag and its labels")
    p.add_argument("name")
    p.add_argument(
        "--children", action="store_true", help="delete the tags under it too (else they move up)"
    )
    p.set_defaults(func=cmd_tags_edit)
    p = actions.add_parser("color", help="give a tag a colour (#rrggbb), or none")
    p.add_argument("name"), p.add_argument("color", metavar="COLOR|none")
    p.set_defaults(func=cmd_tags_edit)


def cmd_tag_change(args: argparse.Namespace, settings: Settings) -> int:
    """Add, remove or refuse one tag on the items of some files."""
    if not args.name.strip():
        raise MmdeskError("a tag needs a name")
    with Library(settings) as lib:
        items = items_for(lib, args.paths)
        change = {"add": lib.tag, "remove": lib.untag, "not": lib.tag_not}[args.tag_action]
        change(items, args.name)
    note(CHANGES[args.tag_action][1].format(name=args.name, n=len(items)))
    return 0


def cmd_tag_list(args: argparse.Namespace, settings: Settings) -> int:
    """Every tag with its count."""
    with Library(settings) as lib:
        counts = lib.tags()
    if args.json:
        emit_json([{"tag": name, "items": n} for name, n in counts])
        return 0
    for name, n in counts:
        say(f"{n:>6}  {name}")
    return 0


def cmd_tags_list(args: argparse.Namespace, settings: Settings) -> int:
    """Every tag as a tree (children indented under their parent) with its items (a parent's
    take in its children's) and colour."""
    with Library(settings) as lib:
        counts, colors = lib.tags(), lib.tag_colors()
    if args.json:
        emit_json([{"tag": name, "items": n, "color": colors.get(name)} for name, n in counts])
        return 0
    for name, n in counts:
        depth, leaf = name.count("/"), name.rpartition("/")[2]
        color = f"  {colors[name]}" if name in colors else ""
        say(f"{n:>6}  {'  ' * depth}{leaf}{color}")
    return 0


def cmd_tags_edit(args: argparse.Namespace, settings: Settings) -> int:
    """Rename, merge, delete or colour a tag."""
    action = args.tags_action
    with Library(settings) as lib:
        if action == "rename":
            lib.rename_tag(args.old, args.new)
            done = f"renamed {args.old!r} to {args.new!r}"
        elif action == "merge":
            lib.merge_tags(args.source, args.into)
            done = f"merged {args.source!r} into {args.into!r}"
        elif action == "delete":
            lib.delete_tag(args.name, children=args.children)
            done = f"deleted {args.name!r}" + (" and the tags under it" if args.children else "")
        else:
            color = None if args.color.lower() == "none" else args.color
            lib.set_tag_color(args.name, color)
            done = f"{args.name!r} is now {color}" if color else f"{args.name!r} has no colour"
    note(done)
    return 0


def cmd_tag_show(args: argparse.Namespace, settings: Settings) -> int:
    """The tags of each file: JSON ``[{"path", "tags": [{"name", "source", "score"}]}]``."""
    with Library(settings) as lib:
        items = items_for(lib, args.paths)
        rows: list[dict[str, Any]] = [
            {"path": str(path), "tags": [tag_json(label) for label in lib.labels_for(item)]}
            for path, item in zip(args.paths, items, strict=True)
        ]
    if args.json:
        emit_json(rows)
        return 0
    for row in rows:
        say(f"{shown(row['path'])}: {', '.join(map(tag_text, row['tags'])) or '(no tags)'}")
    return 0


def cmd_tag_review(args: argparse.Namespace, settings: Settings) -> int:
    """The items a classifier predicts for a tag that no one labelled yet, to confirm with
    ``tag add`` or refuse with ``tag not``."""
    from mmdesk.cli.search_cmds import print_results

    kind = "uncertain" if args.uncertain else "confident"
    with Library(settings) as lib:
        print_results(lib.review(args.name, kind, args.limit), args.json)
    return 0


def tag_json(label: dict[str, Any]) -> dict[str, Any]:
    """A label in the stable form: source is "user", "not" or "predicted"."""
    return {"name": label["name"], "source": source_kind(label["source"]), "score": label["score"]}


def tag_text(tag: dict[str, Any]) -> str:
    """One tag as a person reads it: ``cat``, ``not cat``, ``cat (predicted 0.83)``."""
    if tag["source"] == "not":
        return f"not {tag['name']}"
    if tag["source"] == "predicted":
        score = "" if tag["score"] is None else f" {tag['score']:.2f}"
        return f"{tag['name']} (predicted{score})"
    return str(tag["name"])


def items_for(lib: Library, paths: list[Path]) -> list[int]:
    """The library item of each path; an unknown path is an error naming it."""
    items = []
    for path in paths:
        item = lib.item_for_path(path)
        if item is None:
            raise MmdeskError(f"{shown(path)} is not in the library (index it first)")
        items.append(item)
    return items
