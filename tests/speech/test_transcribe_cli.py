"""``mmdesk transcribe``, ``transcript`` and ``transcribers``: what was said, with times, as
text for people and JSON for scripts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from speech_kit import PHRASE, add_sound, chord, joined, recall, seconds, settings_in, speak

from mmdesk.cli import main
from mmdesk.core.library import Library
from mmdesk.core.search.results import timestamp

LINE = re.compile(r"^\[(\d\d):(\d\d):(\d\d\.\d) – (\d\d):(\d\d):(\d\d\.\d)\] (.+)$")


@pytest.fixture()
def sounds(speech_plugin_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A spoken phrase and a chord, in the library but not transcribed."""
    root = tmp_path / "sounds"
    speak(root / "phrase.wav", PHRASE)
    joined(root / "music.wav", chord(2.0))
    with Library(settings_in(tmp_path / "data", speech_plugin_dir, monkeypatch)) as lib:
        for path in sorted(root.iterdir()):
            add_sound(lib.store, path)
    return root


def _seconds(h: str, m: str, s: str) -> float:
    return int(h) * 3600 + int(m) * 60 + float(s)


def test_transcribe_prints_the_words_and_transcript_prints_them_timed(
    sounds: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["transcribe", "--all", "--json"]) == 0
    rows = {Path(r["path"]).name: r for r in json.loads(capsys.readouterr().out)}
    assert rows["music.wav"]["segments"] == []
    said = " ".join(s["text"] for s in rows["phrase.wav"]["segments"])
    assert recall(PHRASE, said) >= 0.7
    assert main(["transcribe", "--all"]) == 0  # nothing left: says so, transcribes nothing
    assert "transcribed already" in capsys.readouterr().err

    assert main(["transcript", str(sounds / "phrase.wav")]) == 0
    lines = capsys.readouterr().out.splitlines()
    parsed = [LINE.match(line) for line in lines]
    assert lines and all(parsed), lines
    first, last = parsed[0], parsed[-1]
    assert first is not None and last is not None
    assert _seconds(*first.groups()[:3]) < 0.5
    assert _seconds(*last.groups()[3:6]) <= seconds(sounds / "phrase.wav") + 0.05
    assert main(["transcript", str(sounds / "phrase.wav"), "--json"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert [s["text"] for s in row["segments"]] == [m.group(7) for m in parsed if m]
    assert main(["transcript", str(sounds / "music.wav")]) == 0
    assert "nothing said" in capsys.readouterr().err


def test_a_named_file_is_heard_once_unless_redone(
    sounds: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["transcribe", str(sounds / "music.wav")]) == 0
    assert capsys.readouterr().out.strip().endswith("music.wav: (no speech)")
    assert main(["transcribe", str(sounds / "music.wav"), "--redo", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["segments"] == []


def test_transcribers_lists_the_bundled_one(
    sounds: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["transcribers"]) == 0
    assert capsys.readouterr().out.strip() == "* whisper/tiny.en  (en)"
    assert main(["transcribers", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row == {
        "id": "whisper/tiny.en",
        "plugin": "whisper",
        "languages": ["en"],
        "active": True,
    }


def test_usage_errors(sounds: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["transcribe"]) == 1
    assert main(["transcribe", "--all", str(sounds / "music.wav")]) == 1
    assert main(["transcript", str(sounds / "elsewhere.wav")]) == 1
    assert "not in the library" in capsys.readouterr().err


def test_clock() -> None:
    assert (
        timestamp(83.44) == "00:01:23.4"
        and timestamp(3599.96) == "01:00:00.0"
        and timestamp(0) == "00:00:00.0"
    )
