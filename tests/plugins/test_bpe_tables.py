"""open_clip's BPE from compact tables kept in the cache folder gives the same ids as open_clip
itself, read without the merges file the second time; a damaged or stale tables file is made
again; the shortcuts that skip importing ftfy and regex change no text."""

from __future__ import annotations

import os
import random
import string
from pathlib import Path

import numpy as np
import pytest

from mmdesk.plugins.runtimes import openclip_tokenizer as oc
from mmdesk.plugins.runtimes.openclip_tokenizer import (
    BpeTables,
    OpenClipTokenizer,
    SortedTable,
    tables_path,
)

TEXTS = [
    "",
    "a photo of a dog",
    "A Photo Of A DOG",
    "word " * 100,
    "schÃ¶n",
    "&amp; fish &lt;3 &amp;amp;",
    "🐶🎉 party 😀",
    "日本語のテキスト",
    "Ünïcödé façade naïve",
    "  whitespace\t\truns \n\n here  ",
    "it's we'll they're I'M",
    "<start_of_text> hi <end_of_text>",
    "x1y2z3 1234567 3.14159",
    "ﬁne ＦＵＬＬ width ſ K",
    'quotes "curly" ‘single’ <b>bold</b>',
    "a\x1cb\x1fc\rd\x00e\x7f",
]


def _random_texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    alphabet = string.printable + "éüßñçøåæ中文日本語한국어😀🚀Ωπ\u00a0ſKﬁ＂&;<>"
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 50))) for _ in range(count)]


@pytest.fixture(scope="module")
def bpe_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of open_clip's merges file (its mtime may be changed by a test)."""
    tokenizer = pytest.importorskip("open_clip.tokenizer")
    copy = tmp_path_factory.mktemp("bpe") / "bpe_simple_vocab_16e6.txt.gz"
    copy.write_bytes(Path(tokenizer.default_bpe()).read_bytes())
    return copy


def test_tokenizer_from_kept_tables_matches_open_clip(bpe_file: Path, tmp_path: Path) -> None:
    open_clip = pytest.importorskip("open_clip")
    texts = TEXTS + _random_texts(400, seed=3)
    expected = open_clip.get_tokenizer("ViT-B-32")(texts).numpy()
    plain = OpenClipTokenizer(bpe_file)
    first = OpenClipTokenizer(bpe_file, cache_dir=tmp_path)  # reads the merges, keeps the tables
    assert tables_path(bpe_file, tmp_path) is not None
    assert tables_path(bpe_file, tmp_path).is_file()  # type: ignore[union-attr]
    second = OpenClipTokenizer(bpe_file, cache_dir=tmp_path)  # as a new process: from the tables
    for tokenizer in (plain, first, second):
        np.testing.assert_array_equal(tokenizer(texts), expected)


def test_kept_tables_are_read_without_the_merges_file(
    bpe_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = OpenClipTokenizer(bpe_file, cache_dir=tmp_path)(TEXTS)

    def no_merges(path: Path) -> BpeTables:
        raise AssertionError("the merges file was read again")

    monkeypatch.setattr(BpeTables, "from_merges", classmethod(lambda cls, p: no_merges(p)))
    np.testing.assert_array_equal(OpenClipTokenizer(bpe_file, cache_dir=tmp_path)(TEXTS), expected)


@pytest.mark.parametrize("damage", ["cut short", "one byte flipped", "not tables"])
def test_damaged_tables_are_made_again(
    bpe_file: Path, tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    expected = OpenClipTokenizer(bpe_file)(TEXTS)
    OpenClipTokenizer(bpe_file, cache_dir=tmp_path)
    kept = tables_path(bpe_file, tmp_path)
    assert kept is not None
    data = bytearray(kept.read_bytes())
    if damage == "cut short":
        data = data[: len(data) // 2]
    elif damage == "one byte flipped":
        data[len(data) // 2] ^= 0xFF
    else:
        data = bytearray(b"hello")
    kept.write_bytes(bytes(data))
    again = OpenClipTokenizer(bpe_file, cache_dir=tmp_path)
    np.testing.assert_array_equal(again(TEXTS), expected)
    assert BpeTables.from_bytes(kept.read_bytes()).ranks.values == again.tables.ranks.values
    assert not list(kept.parent.glob("*.tmp"))


def test_a_replaced_merges_file_gets_its_own_tables(bpe_file: Path, tmp_path: Path) -> None:
    before = tables_path(bpe_file, tmp_path)
    info = bpe_file.stat()
    os.utime(bpe_file, ns=(info.st_atime_ns, info.st_mtime_ns + 10**9))
    assert tables_path(bpe_file, tmp_path) != before
    assert tables_path(bpe_file, None) is None


def test_sorted_table_keeps_the_last_value_of_a_key_like_a_dict() -> None:
    items = [("b", 1), ("a", 2), ("ü", 3), ("b", 4), ("", 5), ("ab", 6)]
    table = SortedTable.build(items)
    expected = dict(items)
    assert len(table) == len(expected)
    assert {key: table.get(key) for key in expected} == expected
    assert table.get("c") is None and table.get("a ") is None
    assert SortedTable.build([]).get("a") is None
    copy = SortedTable.from_parts(*table.parts())
    assert {key: copy.get(key) for key in expected} == expected


def _ascii_texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [
        "".join(rng.choice(string.printable) for _ in range(rng.randint(0, 40)))
        for _ in range(count)
    ]


def test_ftfy_is_skipped_only_for_text_it_returns_unchanged() -> None:
    ftfy = pytest.importorskip("ftfy")
    skipped = [t for t in _ascii_texts(3000, seed=7) + TEXTS if oc._ftfy_unchanged(t)]
    assert len(skipped) > 1000
    assert all(ftfy.fix_text(t) == t for t in skipped)
    assert not oc._ftfy_unchanged("schÃ¶n") and not oc._ftfy_unchanged("&amp;")
    assert not oc._ftfy_unchanged("line\r\nbreak")


def test_the_ascii_pattern_splits_ascii_text_as_open_clips_does() -> None:
    texts = [oc.clean_text(t) for t in _ascii_texts(2000, seed=11) + TEXTS]
    ascii_texts = [t for t in texts if t.isascii()]
    assert len(ascii_texts) > 1000
    for text in ascii_texts:
        assert oc.pre_tokens(text) == oc._unicode_pattern().findall(text), text
