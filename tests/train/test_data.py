"""training_data on a small real library: the toy colour model, nine photos, a few labels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mmdesk.core.library import Library
from mmdesk.errors import MmdeskError
from mmdesk.train.data import prediction_data, training_data
from mmdesk.train.labels import UNLABELLED_WEIGHT


@pytest.fixture()
def lib(settings, photos: Path):  # type: ignore[no-untyped-def]
    library = Library(settings)
    library.index([photos])
    yield library
    library.close()


def ids_of(lib: Library, photos: Path, colour: str) -> list[int]:
    found = [lib.item_for_path(p) for p in sorted((photos / colour).iterdir())]
    return [i for i in found if i is not None]


def test_targets_and_weights_follow_the_labels(lib: Library, photos: Path) -> None:
    red, green, blue = (ids_of(lib, photos, c) for c in ("red", "green", "blue"))
    lib.tag(red, "red")
    lib.tag(blue[:2], "blue")
    lib.store.add_label(green[:1], "red", source="not")
    data = training_data(lib, unlabelled="downweight")
    assert data.tags == ["blue", "red"] and data.modalities == ["image"]
    assert len(data) == 9 and data.mask.all() and data.features["image"].shape == (9, 8)
    row = {int(i): n for n, i in enumerate(data.item_ids)}
    for item in red:
        assert data.targets[row[item]].tolist() == [0, 1]
    assert data.targets[row[blue[0]]].tolist() == [1, 0]
    assert data.weights[row[blue[0]]].tolist() == [1, 1]
    not_red = row[green[0]]
    assert data.targets[not_red, 1] == 0 and data.weights[not_red, 1] == 1
    assert data.weights[not_red, 0] == np.float32(UNLABELLED_WEIGHT)  # says nothing of blue
    for item in [*green[1:], blue[2]]:
        assert data.targets[row[item]].tolist() == [0, 0]
        assert np.allclose(data.weights[row[item]], UNLABELLED_WEIGHT)
    assert sorted(data.item_ids[data.labelled_rows()].tolist()) == sorted(
        [*red, *blue[:2], green[0]]
    )


def test_ignore_leaves_unlabelled_items_unknown(lib: Library, photos: Path) -> None:
    lib.tag(ids_of(lib, photos, "red"), "red")
    lib.tag(ids_of(lib, photos, "blue"), "blue")
    data = training_data(lib, ["red"], unlabelled="ignore")
    green = [n for n, i in enumerate(data.item_ids) if i in ids_of(lib, photos, "green")]
    assert (data.targets[green] == -1).all() and (data.weights[green] == 0).all()
    assert int((data.targets[:, 0] == 0).sum()) == 3  # blue items are negatives of red


def test_no_labels_is_an_error_and_prediction_data_has_no_targets(lib: Library) -> None:
    with pytest.raises(MmdeskError, match="tag a few"):
        training_data(lib)
    data = prediction_data(lib, ["image"])
    assert len(data) == 9 and data.targets.shape == (9, 0)
    some = prediction_data(lib, ["image"], [int(data.item_ids[0])])
    assert some.item_ids.tolist() == [int(data.item_ids[0])]
    with pytest.raises(MmdeskError, match="smell"):
        prediction_data(lib, ["smell"])  # faces are a modality now (issue 13); smells not
