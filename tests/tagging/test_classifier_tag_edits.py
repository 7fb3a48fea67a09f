"""A classifier names its tags as they were called when it was trained; renaming, merging
or deleting a tag afterwards is followed by its predictions, its review queue and its
listing, and never undone by the next prediction run."""

from __future__ import annotations

from pathlib import Path

from classifier_kit import build_classifier_plugin, item

from mmdesk.core.library import Library


def _red(library: Library, photos: Path) -> list[int]:
    return [item(library, p) for p in sorted((photos / "red").glob("*.png"))]


def _names(library: Library) -> list[str]:
    return [name for name, _ in library.tags()]


def test_a_renamed_tag_keeps_its_predictions(classified: Library, photos: Path) -> None:
    classified.predict_tags()
    classified.rename_tag("warm", "Mood/Warm")
    classified.predict_tags()  # the classifier still calls it "warm"
    assert "warm" not in _names(classified)
    assert classified.label_counts("Mood/Warm")["predicted"] == 3
    red = _red(classified, photos)
    assert [t["name"] for t in classified.labels_for(red[0])] == ["Mood/Warm"]
    [info] = classified.classifiers()
    assert info["tags"] == ["Mood/Warm", "cool"]
    assert info["thresholds"] == {"Mood/Warm": 0.6, "cool": 0.6}
    assert classified.tag_threshold("Mood/Warm") == 0.6
    assert {r.item_id for r in classified.review("Mood/Warm")} == set(red)


def test_a_merged_tag_sends_its_predictions_to_the_tag_it_joined(
    classified: Library, photos: Path
) -> None:
    classified.predict_tags()
    classified.tag(_red(classified, photos)[:1], "colour")
    classified.merge_tags("cool", "colour")
    classified.merge_tags("warm", "colour")  # two labels, one tag: one prediction an item
    changes = classified.predict_tags()
    assert "cool" not in _names(classified) and "warm" not in _names(classified)
    counts = classified.label_counts("colour")
    assert counts == {"positives": 1, "negatives": 0, "predicted": 5}  # 3 red + 3 blue - 1
    assert changes.labels
    [info] = classified.classifiers()
    assert info["tags"] == ["colour", "colour"]


def test_a_deleted_tag_is_not_made_again_by_predictions(classified: Library) -> None:
    classified.predict_tags()
    snapshot = classified.tag_snapshot(["warm"])
    classified.delete_tag("warm")
    classified.predict_tags()
    assert _names(classified) == ["cool"]
    [info] = classified.classifiers()
    assert info["tags"] == ["cool"] and classified.review("warm") == []
    classified.restore_tags(snapshot)  # undo: the tag is back, and so are its predictions
    classified.predict_tags()
    assert classified.label_counts("warm")["predicted"] == 3
    assert classified.classifiers()[0]["tags"] == ["warm", "cool"]


def test_a_retrained_classifier_ties_its_labels_afresh(classified: Library) -> None:
    classified.predict_tags()
    classified.delete_tag("warm")
    classified.predict_tags()
    assert _names(classified) == ["cool"]
    # trained again later: its manifest names "warm", so training had labels of it
    build_classifier_plugin(classified.settings.user_plugin_dir, trained_at=4e9)
    classified.registry.refresh()
    classified.predict_tags()
    assert classified.label_counts("warm")["predicted"] == 3


def test_a_classifier_from_elsewhere_brings_its_tags(library: Library) -> None:
    build_classifier_plugin(library.settings.user_plugin_dir)
    library.registry.refresh()
    assert _names(library) == []
    library.predict_tags()
    assert sorted(_names(library)) == ["cool", "warm"]
