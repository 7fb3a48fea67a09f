"""The query syntax: table-driven, hostile input included; it never raises."""

from __future__ import annotations

import pytest

from mmdesk.core.search import Filters, parse_query
from mmdesk.errors import MmdeskError

CASES = [
    # query, expected fields (others default)
    ("red car", {"text": "red car", "terms": ("red", "car")}),
    ('"red car" parked', {"text": "red car parked", "terms": ("red car", "parked")}),
    ("cat -dog", {"text": "cat", "terms": ("cat",), "exclude": ("dog",)}),
    ('cat -"hot dog"', {"text": "cat", "terms": ("cat",), "exclude": ("hot dog",)}),
    ("tag:holiday beach", {"text": "beach", "tags": ("holiday",)}),
    ('tag:"summer 2024"', {"tags": ("summer 2024",), "text": ""}),
    ("kind:video dog", {"kinds": ("video",), "text": "dog"}),
    ("kind:banana", {"text": "kind:banana", "kinds": ()}),
    ("after:2023 before:2024-06", {"after": "2023", "before": "2024-06", "text": ""}),
    ("before:2024-13-40 x", {"before": None, "text": "before:2024-13-40 x"}),
    ('text:"invoice 42"', {"required": ("invoice 42",), "text": ""}),
    ("text:receipt total", {"required": ("receipt",), "text": "total"}),
    ("cat's toy", {"text": "cat's toy", "terms": ("cat's", "toy")}),
    ("red-toy", {"text": "red-toy", "terms": ("red-toy",)}),
    ('say "hi', {"text": "say hi", "terms": ("say", "hi")}),  # unbalanced quote
    ('"', {"text": "", "terms": ()}),
    ("cats AND dogs", {"text": "cats AND dogs", "terms": ("cats", "dogs")}),
    ("NEAR(cat dog)", {"terms": ("cat", "dog")}),
    ("* ^ ( )", {"terms": ()}),
    ("foo:bar", {"text": "foo:bar", "terms": ("foo bar",)}),
    ("-", {"text": "-", "exclude": ()}),
    ("über café", {"terms": ("über", "café")}),
    ("TAG:Cats", {"tags": ("Cats",)}),
]


@pytest.mark.parametrize(("query", "expected"), CASES)
def test_parse(query: str, expected: dict[str, object]) -> None:
    parsed = parse_query(query)
    for name, value in expected.items():
        assert getattr(parsed, name) == value, (query, name)


HOSTILE = ['"""', '-"', "tag:", "text:", 'text:""', "a:b:c", "NOT", "\x00", "((((", "'" * 9]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_input_never_raises(query: str) -> None:
    parse_query(query)


def test_keywords_only_and_empty() -> None:
    assert parse_query("text:invoice").keywords_only
    assert not parse_query("text:invoice red").keywords_only
    assert parse_query("tag:x kind:image").empty


@pytest.mark.parametrize("bad", ["2024-13", "24", "2024-02-30", "yesterday"])
def test_filters_refuse_bad_dates(bad: str) -> None:
    with pytest.raises(MmdeskError):
        Filters(after=bad)


def test_filters_bounds_are_period_starts() -> None:
    f = Filters(after="2023", before="2024-06").item_filter()
    assert (f.after, f.before) == ("2023-01-01", "2024-06-01")
