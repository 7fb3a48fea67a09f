"""Predicted tags: stored with their score, never over a person's labels, shown apart."""

from __future__ import annotations

from pathlib import Path

from classifier_kit import item

from mmdesk.core.library import Library
from mmdesk.core.search import Filters


def _paths(photos: Path, colour: str) -> list[Path]:
    return sorted((photos / colour).glob("*.png"))


def test_predict_tags_stores_tags_above_their_threshold(classified: Library, photos: Path) -> None:
    changes = classified.predict_tags()
    assert changes.tags and len(changes.labels) == 9
    red, green, blue = (item(classified, _paths(photos, c)[0]) for c in ("red", "green", "blue"))
    [warm] = classified.labels_for(red)
    assert (warm["name"], warm["source"]) == ("warm", "predicted") and warm["score"] > 0.9
    assert [t["name"] for t in classified.labels_for(blue)] == ["cool"]
    assert classified.labels_for(green) == []
    assert classified.label_counts("warm") == {"positives": 0, "negatives": 0, "predicted": 3}


def test_predictions_never_overwrite_a_persons_labels(classified: Library, photos: Path) -> None:
    red_a, red_b, _ = (item(classified, p) for p in _paths(photos, "red"))
    classified.tag([red_a], "warm")
    classified.tag_not([red_b], "warm")
    classified.tag([red_a], "cool")  # the person may disagree with any classifier
    classified.predict_tags()
    classified.predict_tags("classifier-warmth")  # replacing its own older predictions
    assert classified.labels_for(red_a) == [
        {"name": "cool", "source": "user", "score": None},
        {"name": "warm", "source": "user", "score": None},
    ]
    assert classified.labels_for(red_b) == [{"name": "warm", "source": "not", "score": None}]
    assert classified.label_counts("warm") == {"positives": 1, "negatives": 1, "predicted": 1}


def test_tag_and_tag_not_replace_each_other(library: Library, photos: Path) -> None:
    red = item(library, _paths(photos, "red")[0])
    library.tag_not([red], "warm")
    library.accept([red], "warm")
    assert library.labels_for(red) == [{"name": "warm", "source": "user", "score": None}]
    library.reject([red], "warm")
    assert library.labels_for(red) == [{"name": "warm", "source": "not", "score": None}]
    assert library.tags() == [("warm", 0)]  # a "not" does not count as carrying the tag
    library.untag([red], "warm")
    assert library.labels_for(red) == []


def test_predict_tags_for_some_items_only(classified: Library, photos: Path) -> None:
    red = [item(classified, p) for p in _paths(photos, "red")]
    changes = classified.predict_tags("classifier-warmth", red[:1])
    assert changes.labels == {red[0]}
    assert classified.label_counts("warm")["predicted"] == 1


def test_the_predicted_filter_adds_predictions_but_not_refused_items(
    classified: Library, photos: Path
) -> None:
    red_a, red_b, red_c = (item(classified, p) for p in _paths(photos, "red"))
    blue = item(classified, _paths(photos, "blue")[0])
    classified.predict_tags()
    classified.tag([blue], "warm")
    classified.tag_not([red_b], "warm")

    def found(**kw: object) -> set[int]:
        return {r.item_id for r in classified.browse(Filters(tags=["warm"], **kw))}  # type: ignore[arg-type]

    assert found() == {blue}
    assert found(predicted=True) == {blue, red_a, red_c}
    assert {
        r.item_id for r in classified.search("red", Filters(tags=["warm"], predicted=True))
    } == {
        blue,
        red_a,
        red_c,
    }


def test_classifiers_lists_the_installed_ones(classified: Library) -> None:
    [info] = classified.classifiers()
    assert (info["id"], info["tags"], info["active"]) == (
        "classifier-warmth",
        ["warm", "cool"],
        True,
    )
    assert info["metrics"] == {"macro_f1": 0.9} and info["thresholds"] == {"warm": 0.6, "cool": 0.6}
    assert info["trained_at"] > 0
