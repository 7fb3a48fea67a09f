"""The store's transcripts: a segment item per stretch of speech, replaced per file in one
transaction, a person's marks kept, the pass recorded on the whole sound."""

from __future__ import annotations

from pathlib import Path

import pytest
from speech_kit import add_sound

from mmdesk.store import Store

W = "whisper/tiny.en"


def _seg(start: float, end: float, text: str) -> tuple[float, float, str, dict[str, object]]:
    return (start, end, text, {"start": start, "end": end, "language": "en"})


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    (tmp_path / "talk.wav").write_bytes(b"RIFF")
    (tmp_path / "song.wav").write_bytes(b"RIFF")
    return Store(tmp_path / "library.db")


def test_segments_become_items_of_the_file_and_the_sound_is_heard(
    store: Store, tmp_path: Path
) -> None:
    talk, song = add_sound(store, tmp_path / "talk.wav"), add_sound(store, tmp_path / "song.wav")
    assert store.sounds_unheard(W, 10) == [talk, song]
    items = store.replace_transcript(talk, W, [_seg(0.0, 2.5, "hello there"), _seg(3, 5, "bye")])
    assert store.replace_transcript(song, W, []) == []
    assert store.sounds_unheard(W, 10) == [] and store.sounds_unheard("other", 10) == [talk, song]
    info = store.items_info(items)
    assert [(info[i]["kind"], info[i]["start"], info[i]["end"]) for i in items] == [
        ("audio_segment", 0.0, 2.5),
        ("audio_segment", 3.0, 5.0),
    ]
    file_id = info[items[0]]["file_id"]
    assert [(r["start"], r["text"], r["item_id"]) for r in store.transcript_of(file_id)] == [
        (0.0, "hello there", items[0]),
        (3.0, "bye", items[1]),
    ]
    [text] = store.texts_for(items[0])
    assert (text["source"], text["producer"], text["lang"]) == ("transcript", W, "en")
    assert text["meta"] == {"start": 0.0, "end": 2.5, "language": "en"}
    assert store.keyword_hits(["hello"], 10) == [(items[0], "transcript", pytest.approx(-1, 1))]
    assert store.sound_items() == [talk, song] and store.sound_items([items[1]]) == [talk]


def test_a_new_transcript_replaces_the_old_but_not_what_a_person_marked(
    store: Store, tmp_path: Path
) -> None:
    talk = add_sound(store, tmp_path / "talk.wav")
    tagged, noted, plain = store.replace_transcript(
        talk, W, [_seg(0, 1, "alpha"), _seg(2, 3, "bravo"), _seg(4, 5, "charlie")]
    )
    store.add_label([tagged], "greeting")
    store.add_text(noted, "user", "my note")
    [theirs] = store.replace_transcript(talk, "other/model", [_seg(6, 7, "delta")])
    new = store.replace_transcript(talk, W, [_seg(0, 1, "alpha again"), _seg(8, 9, "echo")])
    assert new[0] == tagged  # same start: the marked item takes the new text
    assert [t["text"] for t in store.texts_for(tagged)] == ["alpha again"]
    assert [t["text"] for t in store.texts_for(noted)] == ["bravo", "my note"]  # kept as it was
    assert store.items_info([plain]) == {}  # unmarked: gone, with its text
    assert store.keyword_hits(["charlie"], 10) == []
    assert [t["text"] for t in store.texts_for(theirs)] == ["delta"]  # another transcriber's
    file_id = store.items_info([talk])[talk]["file_id"]
    said = [(r["start"], r["text"]) for r in store.transcript_of(file_id)]
    assert said == [(0.0, "alpha again"), (2.0, "bravo"), (6.0, "delta"), (8.0, "echo")]
    assert store.labels_for(tagged)[0]["name"] == "greeting"


def test_replacing_is_one_transaction(store: Store, tmp_path: Path) -> None:
    talk = add_sound(store, tmp_path / "talk.wav")
    store.replace_transcript(talk, W, [_seg(0, 1, "kept")])
    with pytest.raises(AttributeError):  # the second segment has no meta: all is rolled back
        store.replace_transcript(talk, W, [_seg(0, 1, "new"), (2.0, 3.0, "bad", None)])  # type: ignore[list-item]
    file_id = store.items_info([talk])[talk]["file_id"]
    assert [r["text"] for r in store.transcript_of(file_id)] == ["kept"]


def test_sounds_of_files_not_indexed_are_not_listed(store: Store, tmp_path: Path) -> None:
    talk = add_sound(store, tmp_path / "talk.wav")
    path = str((tmp_path / "talk.wav").resolve())
    store.upsert_file(path, size=4, mtime_ns=1, kind="audio", status="missing")
    assert store.sounds_unheard(W, 10) == [] and store.sound_items([talk]) == []
