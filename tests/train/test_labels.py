"""Turning a person's labels into targets and weights (no library needed)."""

from __future__ import annotations

import numpy as np

from mmdesk.train.labels import UNLABELLED_WEIGHT, targets_for, user_tags

LABELS = {
    1: [("cat", "user")],
    2: [("dog", "user"), ("cat", "not")],
    3: [("cat", "not")],
    4: [("Cat", "user"), ("cat", "not")],  # a contradiction, case-insensitive
    5: [("cat", "classifier:x")],  # a prediction: not a label of a person
}
IDS = np.array([1, 2, 3, 4, 5, 6])


def test_positives_negatives_and_other_tags() -> None:
    targets, weights, labelled = targets_for(IDS, LABELS, ["cat", "dog"], "ignore")
    assert targets.tolist() == [[1, 0], [0, 1], [0, -1], [-1, 0], [-1, -1], [-1, -1]]
    assert weights.tolist() == [[1, 1], [1, 1], [1, 0], [0, 1], [0, 0], [0, 0]]
    assert labelled.tolist() == [True, True, True, True, False, False]


def test_downweight_makes_unknown_cells_weak_negatives_but_not_contradictions() -> None:
    targets, weights, _ = targets_for(IDS, LABELS, ["cat", "dog"], "downweight")
    assert targets[2].tolist() == [0, 0] and np.allclose(weights[2], [1, UNLABELLED_WEIGHT])
    assert targets[3, 0] == -1 and weights[3, 0] == 0  # contradiction stays unknown
    assert targets[3, 1] == 0 and weights[3, 1] == 1  # tagged "Cat": so it is not a dog
    assert targets[5].tolist() == [0, 0] and np.allclose(weights[5], UNLABELLED_WEIGHT)


def test_default_tags_are_those_a_person_gave() -> None:
    assert [t.casefold() for t in user_tags(LABELS)] == ["cat", "dog"]  # one per name
    assert user_tags({5: [("cat", "classifier:x")]}) == []
