"""Sound decoding: every audio format to mono at any rate, streamed chunks with their times,
excerpts, waveforms, the audio decoder's segment and meta, and bad files."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest
from media_kit import AUDIO_CODECS, shots, tone, write_audio, write_video

from mmdesk.core.media import (
    DECODERS,
    SOUND_RATE,
    AudioDecoder,
    iter_audio,
    load_audio,
    probe_audio,
    resample,
    sound_excerpt,
    waveform_image,
)
from mmdesk.errors import MediaError


def dominant(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size)))
    return float(np.argmax(spectrum) * rate / samples.size)


@pytest.mark.parametrize("ext", sorted(AUDIO_CODECS))
def test_every_format_decodes_to_mono_at_the_asked_rate(tmp_path: Path, ext: str) -> None:
    path = str(write_audio(tmp_path / f"tone{ext}", 3.0, 440.0))
    info = probe_audio(path)
    assert info is not None and info.channels == 2
    assert info.duration == pytest.approx(3.0, abs=0.1)
    for rate in (16000, 48000):
        samples = load_audio(path, rate)
        assert samples.dtype == np.float32 and samples.ndim == 1
        assert samples.size / rate == pytest.approx(3.0, abs=0.1)
        assert dominant(samples, rate) == pytest.approx(440.0, abs=3.0)
        assert 0.4 < np.abs(samples).max() <= 1.0  # stereo averaged, not summed


def test_chunks_have_their_length_and_start_times(tmp_path: Path) -> None:
    path = str(write_audio(tmp_path / "ten.wav", 10.0))
    chunks = list(iter_audio(path, 8000, 3.0))
    assert [start for start, _ in chunks] == pytest.approx([0.0, 3.0, 6.0, 9.0])
    assert [c.size for _, c in chunks] == [24000, 24000, 24000, 8000]
    later = list(iter_audio(path, 8000, 3.0, start=2.5))
    assert later[0][0] == pytest.approx(2.5, abs=1e-3)
    assert sum(c.size for _, c in later) == pytest.approx(7.5 * 8000, abs=10)
    whole = np.concatenate([c for _, c in chunks])
    after_seek = np.concatenate([c for _, c in later])[16:]  # past the resampler's start-up
    np.testing.assert_allclose(after_seek, whole[20016:], atol=2e-3)


def test_chunk_times_follow_the_sound_after_a_seek_in_mp3(tmp_path: Path) -> None:
    rate = 44100
    steps = np.concatenate([tone(f, 2.0, rate) for f in (300, 600, 900, 1200)])
    path = str(write_audio(tmp_path / "steps.mp3", 8.0, samples=steps))
    for start, chunk in iter_audio(path, 16000, 1.0, start=4.2):
        expected = (300, 600, 900, 1200)[int((start + 0.5) // 2)]
        assert dominant(chunk, 16000) == pytest.approx(expected, abs=10), start


def test_the_budget_stops_decoding_and_says_so_at_info(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = str(write_audio(tmp_path / "long.flac", 30.0))
    with caplog.at_level(logging.INFO, logger="mmdesk"):
        got = sum(c.size for _, c in iter_audio(path, 8000, 1.0, budget_s=0.0))
    assert 0 < got < 30 * 8000
    assert any("budget" in r.getMessage() and r.levelno == logging.INFO for r in caplog.records)


def test_an_excerpt_is_all_of_a_short_sound_and_spread_over_a_long_one(tmp_path: Path) -> None:
    short = str(write_audio(tmp_path / "short.ogg", 4.0))
    assert sound_excerpt(short).size / SOUND_RATE == pytest.approx(4.0, abs=0.05)
    rate = 44100
    thirds = np.concatenate([tone(f, 30.0, rate) for f in (300, 700, 1500)])
    long = str(write_audio(tmp_path / "long.flac", 90.0, samples=thirds))
    excerpt = sound_excerpt(long, 16000, max_seconds=12.0, pieces=3)
    assert 11.9 * 16000 <= excerpt.size <= 12 * 16000
    pieces = np.split(excerpt[: 3 * (excerpt.size // 3)], 3)
    assert [round(dominant(p, 16000), -1) for p in pieces] == [300, 700, 1500]


def test_resample_keeps_the_pitch(tmp_path: Path) -> None:
    x = tone(1000.0, 1.0, 44100)
    y = resample(x, 44100, 16000)
    assert y.dtype == np.float32 and y.size == 16000
    assert dominant(y, 16000) == pytest.approx(1000.0, abs=2.0)
    assert resample(x, 44100, 44100) is x


def test_waveform_image_draws_the_envelope(tmp_path: Path) -> None:
    rate = 44100
    loud_then_silent = np.concatenate([tone(200, 2.0, rate, 0.9), np.zeros(2 * rate, np.float32)])
    path = str(write_audio(tmp_path / "burst.wav", 4.0, samples=loud_then_silent))
    image = waveform_image(path, (200, 100))
    assert image.mode == "RGB" and image.size == (200, 100)
    pixels = np.asarray(image).astype(int)
    background = pixels[2, 190]
    assert np.abs(pixels[5:95, 20] - pixels[50, 20]).sum() < 50  # a full bar where it is loud
    assert (np.abs(pixels[5:40, 180] - background).sum(axis=1) == 0).all()  # empty above silence


def test_the_audio_decoder_gives_one_excerpt_and_the_tags(tmp_path: Path) -> None:
    tags = {"title": "Tune", "artist": "Band", "album": "Record", "date": "2020-07-14"}
    path = str(write_audio(tmp_path / "song.flac", 3.0, tags=tags))
    stream = DECODERS["audio"].open(path)
    assert stream.meta["duration"] == pytest.approx(3.0, abs=0.01)
    assert stream.meta["sample_rate"] == 44100 and stream.meta["channels"] == 2
    assert stream.meta["audio_codec"] == "flac"
    assert {k: stream.meta[k] for k in ("title", "artist", "album")} == {
        "title": "Tune",
        "artist": "Band",
        "album": "Record",
    }
    assert stream.meta["taken_at"] == "2020-07-14"
    (segment,) = list(stream.segments)
    assert (segment.kind, segment.start, segment.end) == ("audio_segment", None, None)
    assert segment.sample_rate == SOUND_RATE and segment.audio is not None
    assert segment.audio.size == pytest.approx(3 * SOUND_RATE, abs=10)


def test_the_look_ahead_cost_is_in_photo_units(tmp_path: Path) -> None:
    short = write_audio(tmp_path / "short.wav", 3.0)
    long = write_audio(tmp_path / "long.opus", 31.0)
    decoder = AudioDecoder()
    assert decoder.estimate_segments(str(short), short.stat().st_size) == 1
    assert decoder.estimate_segments(str(long), long.stat().st_size) == 10


def test_damaged_packets_mid_stream_are_skipped(tmp_path: Path) -> None:
    path = write_audio(tmp_path / "hurt.mp3", 10.0)
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 1500] = np.random.default_rng(3).bytes(1500)
    path.write_bytes(bytes(data))
    chunks = list(iter_audio(str(path), 16000, 4.0))
    total = sum(c.size for _, c in chunks) / 16000
    assert 8.5 < total < 10.1
    assert chunks[-1][0] + chunks[-1][1].size / 16000 == pytest.approx(10.0, abs=0.1)


@pytest.mark.parametrize("ext", [".wav", ".mp3", ".ogg"])
def test_a_truncated_file_gives_what_it_has(tmp_path: Path, ext: str) -> None:
    full = write_audio(tmp_path / f"full{ext}", 6.0)
    cut = tmp_path / f"cut{ext}"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    assert 1.5 < load_audio(str(cut)).size / 16000 < 3.5  # (Vorbis headers weigh a lot)


def test_files_without_sound_are_media_errors(tmp_path: Path) -> None:
    empty, text = tmp_path / "empty.mp3", tmp_path / "notes.mp3"
    empty.write_bytes(b"")
    text.write_text("not a song\n" * 200)
    for path, reason in [(empty, "empty"), (text, "not a media file")]:
        with pytest.raises(MediaError, match=reason):
            probe_audio(str(path))
        with pytest.raises(MediaError, match=reason):
            list(iter_audio(str(path)))
        with pytest.raises(MediaError, match=reason):
            AudioDecoder().open(str(path))
    mute = write_video(tmp_path / "mute.mp4", shots([(1.0, "red")]), 1.0)
    silent_m4a = tmp_path / "silent.m4a"
    shutil.copy(mute, silent_m4a)
    assert probe_audio(str(silent_m4a)) is None
    with pytest.raises(MediaError, match="no audio stream"):
        AudioDecoder().open(str(silent_m4a))


def test_a_video_file_has_its_sound_read_too(tmp_path: Path) -> None:
    path = write_video(tmp_path / "talk.webm", shots([(2.0, "red")]), 2.0, audio_freq=660.0)
    samples = load_audio(str(path), 16000)
    assert samples.size / 16000 == pytest.approx(2.0, abs=0.1)
    assert dominant(samples, 16000) == pytest.approx(660.0, abs=3.0)
