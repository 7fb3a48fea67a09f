"""Hybrid search through the Library and the CLI, on the toy colour model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mmdesk.cli import main
from mmdesk.config import Settings
from mmdesk.core.enrich.text_vectors import TextVectorJob
from mmdesk.core.library import Library
from mmdesk.core.search import Filters


@pytest.fixture()
def lib(settings: Settings, photos: Path):
    with Library(settings) as library:
        library.index([photos])
        yield library


def _item(lib: Library, photos: Path, name: str) -> int:
    colour = name.split("-")[0]
    item = lib.item_for_path(photos / colour / f"{name}.png")
    assert item is not None
    return item


def _ocr(lib: Library, item: int, text: str) -> None:
    lib.store.replace_texts("ocr", "test/reader", [(item, [(text, {"lines": []})])])


def test_visual_only_is_todays_search(lib: Library) -> None:
    hybrid = lib.search("red", Filters(limit=9))
    visual = lib.searcher().search_text("red", Filters(limit=9))
    assert [(r.item_id, r.score) for r in hybrid] == [(r.item_id, r.score) for r in visual]
    assert hybrid[0].matched == ["visual"] and hybrid[-1].matched == []


def test_a_word_in_an_image_finds_it_first(lib: Library, photos: Path) -> None:
    green = _item(lib, photos, "green-1")
    _ocr(lib, green, "INVOICE 42\nPARKING2024")
    for query in ("invoice", "parking", 'text:"invoice 42"'):
        results = lib.search(query)
        assert results[0].item_id == green, query
        assert "text in image" in results[0].matched
    assert green not in [r.item_id for r in lib.search("green -invoice")]
    assert [r.item_id for r in lib.search("text:invoice")] == [green]


def test_two_signals_rank_above_one(lib: Library, photos: Path) -> None:
    red, green = _item(lib, photos, "red-0"), _item(lib, photos, "green-1")
    _ocr(lib, red, "red")
    _ocr(lib, green, "red")
    lib.run(TextVectorJob())
    assert lib.store.text_vector_count(lib.space("text").encoders["text"].id) == 2
    results = lib.search("red")
    assert results[0].item_id == red
    assert set(results[0].matched) == {"visual", "text in image"}
    by_id = {r.item_id: r for r in results}
    assert by_id[green].matched == ["text in image"]
    others = [r.score for r in results if r.item_id not in (red, green)]
    assert by_id[red].score > by_id[green].score and by_id[red].score > max(others)


def test_filters_in_the_query(lib: Library) -> None:
    assert lib.search("red kind:video") == []
    assert lib.search("red before:1990") == []
    assert len(lib.search("red after:1990", Filters(limit=9))) == 9
    assert len(lib.search("kind:image", Filters(limit=5))) == 5  # filters only: browse


@pytest.mark.parametrize("query", ['"', "AND", "NEAR(", "*", "^", "cat's", "red-toy", "a:b"])
def test_hostile_queries_answer(lib: Library, query: str) -> None:
    lib.search(query)


def test_an_edited_text_loses_its_vector(lib: Library, photos: Path) -> None:
    item = _item(lib, photos, "blue-2")
    text = lib.store.add_text(item, "user", "blue")
    lib.run(TextVectorJob())
    encoder = lib.space("text").encoders["text"].id
    assert lib.store.text_vector_count(encoder) == 1
    with lib.store.transaction() as conn:
        conn.execute("UPDATE texts SET text='red' WHERE id=?", (text,))
    assert lib.store.text_vector_count(encoder) == 0
    assert lib.store.texts_without_vectors(encoder, 10) == [(text, "red")]


def test_cli_json_says_why(settings: Settings, photos: Path, capsys) -> None:
    assert main(["index", str(photos), "--json"]) == 0
    capsys.readouterr()
    assert main(["search", "green", "--limit", "3", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["matched"] == ["visual"] and all("matched" in r for r in rows)
    assert main(["search", "green", "--limit", "1"]) == 0
    assert "[visual]" in capsys.readouterr().out
