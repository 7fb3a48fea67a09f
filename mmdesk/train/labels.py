"""Reading a library's labels as training targets, through store methods only."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from mmdesk.store import Store

USER = "user"  # a person said the item *is* the tag
NOT = "not"  # a person said the item *is not* the tag
UNLABELLED_WEIGHT = 0.1  # loss weight of an unlabelled item taken as a negative ("downweight")


def user_tags(labels: dict[int, list[tuple[str, str]]]) -> list[str]:
    """Tags a person gave at least one item, by name: the default set to train."""
    names = {name.casefold(): name for pairs in labels.values() for name, s in pairs if s == USER}
    return sorted(names.values(), key=str.casefold)


def item_labels(store: Store, item_ids: Iterable[int]) -> dict[int, list[tuple[str, str]]]:
    """``item id -> [(tag, source)]`` for the items' labels of a person (``user``, ``not``).

    Predicted labels (``classifier:<id>``, ``predicted``) are left out: a classifier must not
    learn from its own guesses. One query per item until the store has a bulk read.
    """
    out: dict[int, list[tuple[str, str]]] = {}
    for item_id in item_ids:
        rows = store.labels_for(int(item_id))
        mine = [(r["name"], r["source"]) for r in rows if r["source"] in (USER, NOT)]
        if mine:
            out[int(item_id)] = mine
    return out


def targets_for(
    item_ids: np.ndarray,
    labels: dict[int, list[tuple[str, str]]],
    tags: list[str],
    unlabelled: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(targets, weights, labelled) for ``tags``, as :class:`~mmdesk.train.data.TrainingData`
    defines them.

    ``user`` labels are positives; ``not`` labels and items carrying other tags of a person are
    negatives at full weight; an item labelled both ways for a tag is unknown (a contradiction
    teaches nothing). Items with no label of a person follow ``unlabelled``: "downweight" makes
    them negatives at :data:`UNLABELLED_WEIGHT`; "ignore" and "self-train" leave them unknown
    (self-training labels them itself).
    """
    index = {name.casefold(): t for t, name in enumerate(tags)}
    targets = np.full((len(item_ids), len(tags)), -1.0, np.float32)
    clash = np.zeros(targets.shape, bool)
    for row, item_id in enumerate(item_ids):
        pairs = labels.get(int(item_id), [])
        positive = _columns(pairs, USER, index)
        negative = _columns(pairs, NOT, index)
        if any(s == USER for _, s in pairs):
            targets[row] = 0.0  # a person tagged it: every tag it lacks is a negative
        targets[row, negative] = 0.0
        targets[row, positive] = 1.0
        both = sorted(set(positive) & set(negative))
        targets[row, both] = -1.0
        clash[row, both] = True
    labelled = np.asarray((targets >= 0).any(axis=1), bool)
    weights = (targets >= 0).astype(np.float32)
    if unlabelled == "downweight":
        open_cells = (targets < 0) & ~clash
        targets[open_cells] = 0.0
        weights[open_cells] = UNLABELLED_WEIGHT
    return targets, weights, labelled


def _columns(pairs: list[tuple[str, str]], source: str, index: dict[str, int]) -> list[int]:
    """The columns of the tags labelled with ``source`` among ``pairs`` (case-insensitive)."""
    return sorted({index[n.casefold()] for n, s in pairs if s == source and n.casefold() in index})
