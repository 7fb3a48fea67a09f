"""The three things a label can say, and how the store spells them.

A person says an item *is* a tag (stored source ``user``) or *is not* (``not``); a classifier
plugin predicts it with a score (``classifier:<plugin id>``). Front ends see the stable names
``user``, ``not`` and ``predicted``.
"""

from __future__ import annotations

from typing import Any, Literal

SourceKind = Literal["user", "not", "predicted"]
USER = "user"
NOT = "not"
CLASSIFIER_PREFIX = "classifier:"


def classifier_source(plugin_id: str) -> str:
    """The stored source of one classifier plugin's predictions."""
    return f"{CLASSIFIER_PREFIX}{plugin_id}"


def source_kind(stored: str) -> SourceKind:
    """The store's label source ('user', 'not', 'classifier:<id>') as front ends name it."""
    if stored == USER:
        return "user"
    if stored == NOT or stored.endswith(":not"):
        return "not"
    return "predicted"


def shown_labels(stored: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An item's stored labels as a person should see them: the person's own label of a tag
    hides every prediction of it, and of several predictions of a tag only the best shows.

    Args:
        stored: ``{"name", "source", "score"}`` rows, as the store returns them.

    Returns:
        ``{"name", "source": "user" | "not" | "predicted", "score"}``, by name.
    """
    person: dict[str, list[dict[str, Any]]] = {}
    predicted: dict[str, dict[str, Any]] = {}
    for row in stored:
        kind = source_kind(row["source"])
        label = {"name": row["name"], "source": kind, "score": row["score"]}
        if kind != "predicted":
            person.setdefault(row["name"], []).append(label)
        elif (row["score"] or 0.0) > (predicted.get(row["name"], {}).get("score") or -1.0):
            predicted[row["name"]] = label
    shown = [label for labels in person.values() for label in labels]
    shown += [label for name, label in predicted.items() if name not in person]
    return sorted(shown, key=lambda label: (label["name"].casefold(), label["source"]))
