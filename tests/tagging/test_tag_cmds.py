"""The tag commands' contracts: ``tag not``, ``tag show --json``, ``tag review``,
``classifiers`` and ``search --tag T --predicted``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from classifier_kit import build_classifier_plugin

from mmdesk.cli import main
from mmdesk.config import Settings

Capsys = pytest.CaptureFixture[str]


def _json(capsys: Capsys, argv: list[str]) -> Any:
    assert main(argv) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


@pytest.fixture()
def indexed(settings: Settings, photos: Path, capsys: Capsys) -> Path:
    """The photos indexed with the warm/cool classifier installed (so predicted on index)."""
    build_classifier_plugin(settings.user_plugin_dir)
    assert main(["index", str(photos), "--json"]) == 0
    capsys.readouterr()
    return photos


def test_tag_not_then_show_json_says_not_and_hides_the_prediction(
    indexed: Path, capsys: Capsys
) -> None:
    red, blue = indexed / "red" / "red-0.png", indexed / "blue" / "blue-2.png"
    assert main(["tag", "not", "warm", str(red)]) == 0
    assert "1 items marked not 'warm'" in capsys.readouterr().err
    rows = _json(capsys, ["tag", "show", str(red), str(blue), "--json"])
    assert rows[0] == {"path": str(red), "tags": [{"name": "warm", "source": "not", "score": None}]}
    [cool] = rows[1]["tags"]
    assert rows[1]["path"] == str(blue) and (cool["name"], cool["source"]) == ("cool", "predicted")
    assert 0.6 <= cool["score"] <= 1.0
    assert main(["tag", "show", str(red), str(blue)]) == 0
    assert capsys.readouterr().out.splitlines()[0] == f"{red}: not warm"


def test_tag_add_replaces_a_not_and_remove_forgets_both(indexed: Path, capsys: Capsys) -> None:
    red = indexed / "red" / "red-0.png"
    for argv in (["tag", "not", "sky", str(red)], ["tag", "add", "sky", str(red)]):
        assert main(argv) == 0
    tags = _json(capsys, ["tag", "show", str(red), "--json"])[0]["tags"]
    assert [(t["name"], t["source"]) for t in tags] == [("sky", "user"), ("warm", "predicted")]
    assert main(["tag", "remove", "sky", str(red)]) == 0
    tags = _json(capsys, ["tag", "show", str(red), "--json"])[0]["tags"]
    assert [t["name"] for t in tags] == ["warm"]


def test_tag_review_lists_unlabelled_candidates(indexed: Path, capsys: Capsys) -> None:
    red = sorted((indexed / "red").glob("*.png"))
    assert main(["tag", "add", "warm", str(red[0])]) == 0
    found = _json(capsys, ["tag", "review", "warm", "--json"])
    assert sorted(r["path"] for r in found) == [str(p) for p in red[1:]]
    assert all(r["score"] >= 0.6 for r in found)
    assert (
        len(_json(capsys, ["tag", "review", "warm", "--uncertain", "--limit", "1", "--json"])) == 1
    )


def test_classifiers_lists_tags_metrics_and_state(indexed: Path, capsys: Capsys) -> None:
    [found] = _json(capsys, ["classifiers", "--json"])
    assert (found["id"], found["tags"], found["active"]) == (
        "classifier-warmth",
        ["warm", "cool"],
        True,
    )
    assert main(["classifiers"]) == 0
    assert capsys.readouterr().out.startswith("classifier-warmth: warm, cool; macro-F1 0.900;")


def test_search_predicted_includes_predicted_tags(indexed: Path, capsys: Capsys) -> None:
    base = ["search", "red", "--tag", "warm", "--json"]
    assert _json(capsys, base) == []
    found = _json(capsys, [*base, "--predicted"])
    assert sorted(Path(r["path"]).parent.name for r in found) == ["red"] * 3
