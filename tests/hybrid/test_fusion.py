"""Score fusion: two matching signals beat one; visual-only scores stay cosines."""

from __future__ import annotations

from mmdesk.core.search.fusion import Signal, Weights, fuse, rrf


def test_two_signals_beat_one() -> None:
    visual = Signal("visual", {1: 0.5, 2: 0.5}, {1: ["visual"], 2: ["visual"]})
    keyword = Signal("keyword", {1: 0.6, 3: 0.6}, {1: ["text in image"], 3: ["text in image"]})
    fused = fuse([visual, keyword], Weights())
    assert [item for item, _, _ in fused][:1] == [1]
    assert fused[0][2] == ["visual", "text in image"]
    scores = {item: score for item, score, _ in fused}
    assert scores[1] > scores[3] > scores[2]


def test_visual_only_keeps_cosines_and_order() -> None:
    visual = Signal("visual", {5: 0.61, 7: 0.4, 6: 0.4}, {5: ["visual"]})
    fused = fuse([visual, Signal("text"), Signal("keyword")], Weights())
    assert fused == [(5, 0.61, ["visual"]), (7, 0.4, []), (6, 0.4, [])]


def test_unmatched_scores_give_no_bonus() -> None:
    visual = Signal("visual", {1: 0.3, 2: 0.3})  # background: not a match
    keyword = Signal("keyword", {1: 0.6, 2: 0.6}, {1: ["note"], 2: ["note"]})
    text = Signal("text", {1: 0.5}, {1: ["note"]})
    fused = fuse([visual, keyword, text], Weights())
    assert fused[0][0] == 1 and abs(fused[1][1] - 0.6) < 1e-9


def test_a_signal_that_did_not_match_never_lifts_an_item() -> None:
    # "a horse": the horse photo wins visually; another photo's label-based caption is merely
    # near the query (below text_match) and must not carry it past the horse
    visual = Signal("visual", {1: 0.385, 2: 0.324}, {1: ["visual"], 2: ["visual"]})
    text = Signal("text", {2: 0.33})  # scored, not matched
    fused = fuse([visual, text], Weights())
    assert [(item, round(score, 3)) for item, score, _ in fused] == [(1, 0.385), (2, 0.324)]


def test_weights_from_settings_ignore_junk() -> None:
    assert Weights.from_json('{"keyword": 2, "visual": "x", "bogus": 1, "bonus": -1}') == Weights(
        keyword=2.0
    )
    assert Weights.from_json("not json") == Weights()
    assert Weights.from_json(None) == Weights()


def test_rrf_still_there() -> None:
    assert [i for i, _ in rrf([[1, 2], [2, 3]])] == [2, 1, 3]
