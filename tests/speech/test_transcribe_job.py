"""The transcription job: speech in sound files becomes segment items that keyword search finds;
music and a quiet room give none; a re-run hears nothing new; redo replaces, keeping what a
person marked; long files are heard window by window with the right times."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from speech_kit import (
    OTHER,
    PHRASE,
    RATE,
    add_sound,
    chord,
    convert,
    joined,
    noise,
    read_wav,
    recall,
    seconds,
    settings_in,
    speak,
)

from mmdesk.core.enrich.transcripts import (
    SETTING,
    TranscribeJob,
    quiet_cut,
    transcript,
    transcripts_enricher,
    windows,
)
from mmdesk.core.library import Library
from mmdesk.core.tasks import TaskState
from mmdesk.errors import CancelledError

W = "whisper/tiny.en"


@dataclass
class Heard:
    lib: Library
    root: Path
    sounds: dict[str, int]  # file name -> whole item id
    job: TranscribeJob

    def said(self, name: str) -> list[dict[str, Any]]:
        return transcript(self.lib, self.sounds[name])


@pytest.fixture(scope="module")
def heard(speech_plugin_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Heard]:
    """Speech (wav and AAC), chords and a quiet room, transcribed once for the module."""
    root = tmp_path_factory.mktemp("sounds")
    speak(root / "phrase.wav", PHRASE)
    convert(speak(root / "other.wav", OTHER), root / "other.m4a", "aac")
    (root / "other.wav").unlink()
    joined(root / "music.wav", chord(4.0))
    joined(root / "room.wav", noise(3.0, level=2e-4))
    with pytest.MonkeyPatch.context() as mp:
        settings = settings_in(root.parent / f"{root.name}-data", speech_plugin_dir, mp)
        with Library(settings) as lib:
            sounds = {p.name: add_sound(lib.store, p) for p in sorted(root.iterdir())}
            job = TranscribeJob()
            lib.run(job, TaskState())
            yield Heard(lib, root, sounds, job)


def test_speech_becomes_segment_items_whose_times_cover_the_phrase(heard: Heard) -> None:
    said = heard.said("phrase.wav")
    assert recall(PHRASE, " ".join(str(s["text"]) for s in said)) >= 0.7, said
    duration = seconds(heard.root / "phrase.wav")
    assert float(said[0]["start"]) < 0.5 and 0 < float(said[-1]["end"]) <= duration + 0.01
    info = heard.lib.items_info([int(s["item_id"]) for s in said])
    assert {i["kind"] for i in info.values()} == {"audio_segment"}
    [text] = heard.lib.texts_for(int(said[0]["item_id"]))
    assert (text["source"], text["producer"], text["lang"]) == ("transcript", W, "en")
    assert set(text["meta"]) == {"start", "end", "avg_logprob", "no_speech_prob", "language"}


def test_a_compressed_file_is_heard_too(heard: Heard) -> None:
    assert recall(OTHER, " ".join(str(s["text"]) for s in heard.said("other.m4a"))) >= 0.6


def test_music_and_a_quiet_room_give_no_transcript_and_are_not_heard_again(
    heard: Heard,
) -> None:
    assert heard.said("music.wav") == [] and heard.said("room.wav") == []
    assert sorted(heard.job.heard) == sorted(heard.sounds.values())
    assert heard.lib.store.sounds_unheard(W, 10) == []
    assert transcripts_enricher(heard.lib) is None
    again = TranscribeJob()
    assert not heard.lib.run(again) and again.heard == []


def test_keyword_search_finds_the_spoken_segment(heard: Heard) -> None:
    [(item, source, _)] = heard.lib.store.keyword_hits(["railway"], 10)
    segment = heard.lib.items_info([item])[item]
    assert source == "transcript" and segment["kind"] == "audio_segment"
    assert segment["start"] is not None and segment["end"] > segment["start"]
    assert segment["path"].endswith("phrase.wav")


def test_redo_replaces_the_transcript_but_a_labelled_segment_survives(heard: Heard) -> None:
    lib, whole = heard.lib, heard.sounds["phrase.wav"]
    first = heard.said("phrase.wav")[0]
    lib.store.add_label([int(first["item_id"])], "appointment")
    skipped = TranscribeJob([whole])
    lib.run(skipped)
    assert skipped.heard == []  # named, but already heard: nothing to do without redo
    redo = TranscribeJob([whole], redo=True)
    lib.run(redo)
    assert redo.heard == [whole]
    now = heard.said("phrase.wav")
    assert now[0]["item_id"] == first["item_id"] and now[0]["text"] == first["text"]
    assert len(lib.texts_for(int(first["item_id"]))) == 1
    assert lib.store.labels_for(int(first["item_id"]))[0]["name"] == "appointment"


def test_a_long_file_is_heard_window_by_window_with_file_times(heard: Heard) -> None:
    gap = noise(14.0, level=2e-4)
    other, _ = read_wav(speak(heard.root / "a.wav", OTHER))
    phrase, _ = read_wav(speak(heard.root / "b.wav", PHRASE))
    path = joined(heard.root / "long.wav", other, gap, phrase)
    whole = add_sound(heard.lib.store, path)
    job = TranscribeJob([whole], window_s=12.0)
    heard.lib.run(job)
    said = transcript(heard.lib, whole)
    offset = (other.size + gap.size) / RATE
    first = [s for s in said if recall("garden water", str(s["text"])) > 0]
    last = [s for s in said if recall("railway station", str(s["text"])) > 0]
    assert first and last, said
    assert float(first[0]["start"]) < 1.0
    assert offset - 1.0 < float(last[0]["start"]) and float(last[-1]["end"]) <= seconds(path) + 0.01


def test_a_file_that_cannot_be_decoded_is_reported_not_marked(heard: Heard) -> None:
    bad = heard.root / "broken.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunkjunk")
    whole = add_sound(heard.lib.store, bad)
    job = TranscribeJob([whole])
    heard.lib.run(job)
    assert [Path(p).name for p, _ in job.failed] == ["broken.wav"] and job.heard == []
    assert whole in heard.lib.store.sounds_unheard(W, 100)


def test_the_setting_turns_transcribing_during_indexing_off(heard: Heard) -> None:
    heard.lib.store.set_setting(SETTING, "off")
    try:
        assert transcripts_enricher(heard.lib) is None
    finally:
        heard.lib.store.set_setting(SETTING, "on")
    assert isinstance(transcripts_enricher(heard.lib), TranscribeJob)  # broken.wav is unheard


def test_a_cancelled_job_writes_nothing(heard: Heard) -> None:
    whole = heard.sounds["music.wav"]
    state = TaskState()
    state.cancel()
    before = heard.lib.store.generation()
    with pytest.raises(CancelledError):
        heard.lib.run(TranscribeJob([whole], redo=True), state)
    assert heard.lib.store.generation() == before


def test_windows_end_at_quiet_moments_and_at_jumps_in_time() -> None:
    rate = 1000
    loud, quiet = np.ones(rate * 8, np.float32), np.zeros(rate // 10, np.float32)
    sound = np.concatenate([loud, quiet, loud])  # quiet at 8.0-8.1 s
    assert quiet_cut(sound[: rate * 12], rate) == 8 * rate + rate // 20
    chunks = [(0.0, sound[: rate * 10]), (10.0, sound[rate * 10 :]), (60.0, loud[:rate])]
    out = [(t, s.size) for t, s in windows(chunks, 12.0, rate)]
    assert out == [(0.0, 8050), (8.05, 8050), (60.0, 1000)]


def test_indexing_a_folder_makes_what_was_said_searchable(
    speech_plugin_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "recordings"
    speak(root / "note.wav", PHRASE)
    with Library(settings_in(tmp_path / "data", speech_plugin_dir, monkeypatch)) as lib:
        lib.index([root])
        hits = [
            r for r in lib.search("railway") if r.kind == "audio_segment" and r.start is not None
        ]
    assert hits, "the spoken word was not found"
    start, end = hits[0].start, hits[0].end
    assert start is not None and end is not None and 0.0 <= start < 1.0
    assert seconds(root / "note.wav") - 1.5 < end <= seconds(root / "note.wav") + 0.01
