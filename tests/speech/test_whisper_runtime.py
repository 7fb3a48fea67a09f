"""The built-in transcriber: Whisper tiny.en from its PyPI package, offline, checked by sha256;
speech comes back as timed words, silence, chords and noise as nothing."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from speech_kit import OTHER, PHRASE, RATE, chord, noise, read_wav, recall, settings_in, speak

from mmdesk.config import REPO_ROOT
from mmdesk.errors import ChecksumError, PluginError
from mmdesk.plugins.contributions import TRANSCRIBER
from mmdesk.plugins.manifest import load_manifest
from mmdesk.plugins.protocols import Segment
from mmdesk.plugins.registry import Registry
from mmdesk.plugins.runtimes.whisper import Filters, TimedSegment, WhisperTranscriber, model_folder
from mmdesk.plugins.session import SessionOptions
from mmdesk.plugins.specs import TranscriberSpec


def _spec() -> TranscriberSpec:
    [spec] = load_manifest(REPO_ROOT / "plugins" / "whisper").transcribers
    return spec


@pytest.fixture(scope="module")
def whisper() -> Iterator[WhisperTranscriber]:
    """The transcriber, its model loaded once with every network connection refused."""
    runtime = WhisperTranscriber(_spec(), SessionOptions("cpu", 2))

    def refuse(*args: object) -> None:
        raise AssertionError("the transcriber tried to reach the network")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", refuse)
        runtime.transcribe(np.zeros(RATE, np.float32) + 1e-4, RATE)  # loads the model
    yield runtime


def test_the_bundled_manifest_declares_the_built_in_runtime(
    speech_plugin_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = _spec()
    assert spec.id == "whisper/tiny.en" and spec.entry is None and spec.languages == ("en",)
    registry = Registry(settings_in(tmp_path, speech_plugin_dir, monkeypatch))
    assert [d.error for d in registry.discovered()] == [None, None]
    runtime = registry.build(TRANSCRIBER, "whisper/tiny.en")
    assert isinstance(runtime, WhisperTranscriber) and runtime.provider is None  # not loaded


def test_speech_is_heard_with_times_inside_the_clip(
    whisper: WhisperTranscriber, tmp_path: Path
) -> None:
    samples, rate = read_wav(speak(tmp_path / "phrase.wav", PHRASE))
    assert rate == RATE != 16000  # resampled by the runtime
    timed = whisper.transcribe_timed(samples, rate)
    heard = " ".join(s.text for s in timed)
    assert recall(PHRASE, heard) >= 0.7, heard
    duration = samples.size / rate
    assert timed[0].start < 0.5 and 0 < timed[-1].end <= duration + 1e-3
    assert all(s.language == "en" and s.no_speech_prob < 0.5 for s in timed)
    assert whisper.provider == "CPUExecutionProvider" and whisper.device == "cpu"


def test_a_lone_short_word_is_not_cut(whisper: WhisperTranscriber, tmp_path: Path) -> None:
    samples, rate = read_wav(speak(tmp_path / "stop.wav", "stop"))
    assert samples.size / rate < 1.0
    [said] = whisper.transcribe(samples, rate)
    assert isinstance(said, Segment) and "stop" in said.text.lower() and said.end <= 1.0


@pytest.mark.parametrize(
    "sound",
    [
        pytest.param(noise(4.0, level=2e-4), id="quiet-room"),
        pytest.param(chord(4.0), id="chords"),
        pytest.param(noise(3.0, level=0.1), id="white-noise"),
    ],
)
def test_sounds_without_speech_give_no_transcript(
    whisper: WhisperTranscriber, sound: np.ndarray
) -> None:
    assert whisper.transcribe(sound, RATE) == []


def test_short_sounds_without_speech_are_not_sent_to_whisper() -> None:
    runtime = WhisperTranscriber(_spec(), SessionOptions("cpu", 1))
    assert runtime.transcribe(np.zeros(RATE * 3, np.float32), RATE) == []
    assert runtime.transcribe(np.ones(100, np.float32), 16000) == []
    assert runtime.transcribe(chord(20.0), RATE) == []
    assert runtime.provider is None  # never loaded: voice activity detection heard no speech


def test_a_long_sound_is_filtered_by_vad_and_split_at_its_silence(
    whisper: WhisperTranscriber, tmp_path: Path
) -> None:
    first, _ = read_wav(speak(tmp_path / "a.wav", OTHER))
    second, _ = read_wav(speak(tmp_path / "b.wav", PHRASE))
    gap = noise(30.0, level=2e-4)
    timed = whisper.transcribe_timed(np.concatenate([first, gap, second]), RATE)
    assert len(timed) == 2, timed
    assert recall(OTHER, timed[0].text) >= 0.6 and recall(PHRASE, timed[1].text) >= 0.6
    said_at = (first.size + gap.size) / RATE
    assert timed[0].start < 0.5 and timed[0].end < first.size / RATE + 0.5
    assert said_at - 0.6 < timed[1].start < said_at + 0.6


def test_the_filters_drop_invented_and_looping_text() -> None:
    keep = Filters().keep
    assert keep(TimedSegment(0, 1, "Yes.", avg_logprob=-0.75, no_speech_prob=0.62))
    assert not keep(TimedSegment(0, 2, "You", avg_logprob=-0.94, no_speech_prob=0.94))
    assert not keep(TimedSegment(0, 9, "la la la la", compression_ratio=3.1))
    assert not keep(TimedSegment(0, 1, " ... !"))
    assert keep(TimedSegment(0, 1, "42"))
    # What Whisper heard in animal recordings (a dog, a horse, a duck).
    assert not keep(TimedSegment(0, 1, "Oh!", avg_logprob=-0.95, no_speech_prob=0.55))
    assert not keep(TimedSegment(0, 1, "AHHHHHHH", avg_logprob=-1.33, no_speech_prob=0.47))
    looping = "That's it, that's it, that's it, that's it."
    assert not keep(TimedSegment(0, 3, looping, avg_logprob=-0.74, no_speech_prob=0.73))
    assert keep(TimedSegment(0, 3, "Oh, happy birthday to you", avg_logprob=-0.4))


def test_model_files_are_checked_against_the_manifest() -> None:
    spec = _spec()
    folder = model_folder(spec)
    assert (folder / "model.bin").is_file()
    wrong = {**spec.options["sha256"], "model.bin": "0" * 64}
    bad = dataclasses.replace(spec, options={**spec.options, "sha256": wrong})
    with pytest.raises(ChecksumError, match="model.bin"):
        model_folder(bad)


def test_only_known_packages_are_imported_for_weights(tmp_path: Path) -> None:
    spec = dataclasses.replace(_spec(), options={"package": "os"})
    with pytest.raises(PluginError, match="unknown Whisper model package 'os'"):
        model_folder(spec)
    local = dataclasses.replace(_spec(), options={}, model="tiny/model.bin", folder=tmp_path)
    with pytest.raises(PluginError, match="no model.bin"):
        model_folder(local)
