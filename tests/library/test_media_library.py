"""Videos and sounds in a library, end to end: indexed by the real index path (decoders,
pipeline, store), found by text at the right moment, grouped, and "more like this sound"."""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from mmdesk_testing import COLOURS, build_toy_plugin, make_photo

av = pytest.importorskip("av")

from mmdesk.core.library import Library  # noqa: E402
from mmdesk.core.search import Filters, group_moments  # noqa: E402

RATE = 16000
EAR = '''
import numpy as np

BANDS = (0, 300, 600, 1200, 2400, 4800, 8000)


class Ear:
    """A toy sound model: the share of energy in six frequency bands, per 0.5-s window."""

    def __init__(self, spec, options):
        self.spec = spec

    @property
    def provider(self):
        return "CPUExecutionProvider"

    def preprocess_audio(self, samples, rate):
        step = rate // 2
        windows = [samples[i : i + step] for i in range(0, max(1, len(samples) - step + 1), step)]
        rows = []
        for w in windows:
            w = np.pad(w, (0, step - len(w)))
            power = np.abs(np.fft.rfft(w)) ** 2
            freqs = np.fft.rfftfreq(step, 1.0 / rate)
            rows.append([power[(freqs >= a) & (freqs < b)].sum() for a, b in zip(BANDS, BANDS[1:])])
        return np.asarray(rows, np.float32)

    def encode(self, batch):
        batch = np.sqrt(np.asarray(batch, np.float32)) + 1e-6
        return batch / np.linalg.norm(batch, axis=1, keepdims=True)

    def encode_audio(self, samples, rate):
        vectors = self.encode(self.preprocess_audio(samples, rate)).mean(axis=0)
        return vectors / np.linalg.norm(vectors)


class Words:
    """Its text side (like a CLAP model's): a few words mapped to the bands they sound in."""

    WORDS = {"low": [1, 1, 0.3, 0, 0, 0], "hiss": [0, 0, 0, 0.2, 1, 1]}

    def __init__(self, spec, options):
        self.spec = spec

    @property
    def provider(self):
        return "CPUExecutionProvider"

    def encode_texts(self, texts):
        rows = []
        for text in texts:
            row = np.full(6, 1e-3)
            for word in text.lower().split():
                row = row + np.asarray(self.WORDS.get(word, [0] * 6), float)
            rows.append(row / np.linalg.norm(row))
        return np.asarray(rows, np.float32)
'''


def build_ear_plugin(folder: Path, *, words: bool = False) -> Path:
    """The toy sound model; with ``words``, its space also embeds text (as CLAP does)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ear.py").write_text(EAR)
    text = (
        '\n[[encoders]]\nid = "ear/text"\nspace = "ear-bands"\nmodality = "text"\ndim = 6\n'
        'model = "ear.py"\nentry = "ear:Words"\n'
    )
    (folder / "plugin.toml").write_text(
        'id = "ear"\nname = "Toy ear"\nversion = "0.1.0"\napi = 2\nlicence = "CC0-1.0"\n'
        'description = "Band energies."\n\n[[encoders]]\nid = "ear/audio"\n'
        'space = "ear-bands"\nmodality = "audio"\ndim = 6\nmodel = "ear.py"\nentry = "ear:Ear"\n'
        + (text if words else "")
    )
    return folder


@pytest.fixture(scope="module")
def media_plugins(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("media-plugins")
    build_toy_plugin(root / "toy")
    build_ear_plugin(root / "ear")
    return root


@pytest.fixture()
def media_settings(tmp_path: Path, media_plugins: Path, monkeypatch: pytest.MonkeyPatch):
    """Settings on an empty data folder whose only plugins are the toy picture and sound
    models (the tests folders' conftest modules share a name, so this is not imported)."""
    from mmdesk import config

    monkeypatch.setenv("MMDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MMDESK_PLUGIN_PATH", str(media_plugins))
    monkeypatch.setattr(config, "BUNDLED_PLUGINS", tmp_path / "no-bundled-plugins")
    return config.Settings(threads=1)


def make_video(path: Path, shots: list[tuple[str, float]], fps: int = 10, tone: float = 0) -> Path:
    """An mp4 of solid-colour shots (colour, seconds), with a sine tone track when ``tone``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = 96, 64, "yuv420p"
        audio = out.add_stream("aac", rate=RATE) if tone else None
        n = 0
        for colour, seconds in shots:
            rgb = np.zeros((64, 96, 3), np.uint8) + np.array(COLOURS[colour], np.uint8)
            for _ in range(int(seconds * fps)):
                frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
                frame.pts, frame.time_base = n, Fraction(1, fps)
                n += 1
                out.mux(video.encode(frame))
        out.mux(video.encode())
        if audio is not None:
            total = sum(s for _, s in shots)
            _write_tone(out, audio, tone, total)
    return path


def _write_tone(out, stream, freq: float, seconds: float) -> None:
    t = np.arange(int(seconds * RATE)) / RATE
    samples = (0.4 * np.sin(2 * math.pi * freq * t)).astype(np.float32)
    step = 1024
    for at in range(0, len(samples), step):
        chunk = samples[at : at + step][None, :]
        frame = av.AudioFrame.from_ndarray(chunk, format="flt", layout="mono")
        frame.sample_rate, frame.pts = RATE, at
        out.mux(stream.encode(frame))
    out.mux(stream.encode())


def make_sound(path: Path, freqs: list[float], seconds: float = 2.0, noise: float = 0.0) -> Path:
    """A wav of summed sine tones (and white noise)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(seconds * RATE)) / RATE
    rng = np.random.default_rng(int(sum(freqs)) + int(noise * 100))
    wave = sum(np.sin(2 * math.pi * f * t) for f in freqs) / max(1, len(freqs))
    wave = 0.5 * np.asarray(wave) + noise * rng.standard_normal(len(t))
    pcm = (np.clip(wave, -1, 1) * 32000).astype(np.int16)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("pcm_s16le", rate=RATE, layout="mono")
        frame = av.AudioFrame.from_ndarray(pcm[None, :], format="s16", layout="mono")
        frame.sample_rate, frame.pts = RATE, 0
        out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return path


def test_a_colour_query_finds_the_moment_of_the_video_where_that_shot_is(
    tmp_path: Path, media_settings
) -> None:
    root = tmp_path / "library"
    make_video(root / "clips" / "rgb.mp4", [("red", 3.0), ("green", 3.0), ("blue", 3.0)])
    make_photo(root / "photo-red.png", "red")
    with Library(media_settings) as lib:
        lib.index([root])
        assert lib.items_by_kind().get("video_frame", 0) >= 3
        top = [r for r in lib.search("green", Filters(limit=5)) if r.kind == "video_frame"][0]
        assert top.path.endswith("rgb.mp4")
        assert 2.5 <= top.start < 6.0, top.start  # within the green shot (one frame of slack)
        assert top.end is not None and top.end > top.start
        as_json = top.to_json()
        assert as_json["kind"] == "video_frame" and as_json["file_kind"] == "video"
        assert as_json["duration"] == pytest.approx(9.0, abs=0.3)
        # Grouped: the video once, its other moments folded in.
        everything = lib.search("red", Filters(limit=20))
        grouped = group_moments(everything)
        videos = [r for r in grouped if r.path.endswith("rgb.mp4")]
        assert len(videos) == 1
        frames = [r for r in everything if r.path.endswith("rgb.mp4")]
        assert len(videos[0].moments) == len(frames) - 1


def test_indexing_again_skips_unchanged_media_and_a_recut_video_loses_its_old_frames(
    tmp_path: Path, media_settings
) -> None:
    root = tmp_path / "library"
    clip = make_video(root / "clip.mp4", [("red", 2.0), ("green", 2.0), ("blue", 2.0)], tone=440)
    make_sound(root / "tone.wav", [440.0])
    with Library(media_settings) as lib:
        lib.use_space("ear-bands", "audio")
        lib.index([root])
        first = lib.items_by_kind()
        assert first.get("audio_segment") == 2  # the video's sound track and the wav
        again = lib.index([root])
        assert again.skipped == 2 and not again.indexed
        make_video(clip, [("blue", 2.0)], tone=440)  # re-cut: one shot
        lib.index([root])
        rows = lib.store.query(
            "SELECT i.start FROM items i JOIN files f ON f.id=i.file_id "
            "WHERE f.path LIKE '%clip.mp4' AND i.kind='video_frame'"
        )
        assert [r["start"] for r in rows] == [0.0]


def test_more_like_this_sound_ranks_the_same_family_first_for_items_and_loose_files(
    tmp_path: Path, media_settings
) -> None:
    root = tmp_path / "library"
    for n, f in enumerate((220.0, 247.0, 262.0)):
        make_sound(root / "low" / f"low-{n}.wav", [f, f * 1.5])
    for n, level in enumerate((0.3, 0.35, 0.4)):
        make_sound(root / "hiss" / f"hiss-{n}.wav", [6000.0], noise=level)
    with Library(media_settings) as lib:
        lib.use_space("ear-bands", "audio")  # plugin code: chosen, never taken on its own
        lib.index([root])
        target = lib.item_for_path(root / "low" / "low-0.wav")
        assert target is not None
        similar = lib.similar(target, Filters(limit=5))
        assert [Path(r.path).parent.name for r in similar[:2]] == ["low", "low"]
        assert all(r.kind == "audio_segment" for r in similar)
        loose = make_sound(tmp_path / "elsewhere" / "hiss-new.wav", [6000.0], noise=0.33)
        found = lib.similar(str(loose), Filters(limit=3))
        assert [Path(r.path).parent.name for r in found] == ["hiss"] * 3


def test_the_cli_lists_moments_with_times_and_groups_them(
    tmp_path: Path, media_settings, capsys: pytest.CaptureFixture[str]
) -> None:
    from mmdesk.cli import main

    root = tmp_path / "library"
    make_video(root / "rgb.mp4", [("red", 3.0), ("green", 3.0), ("blue", 3.0)])
    assert main(["index", str(root)]) == 0
    capsys.readouterr()
    assert main(["search", "green", "--json", "--limit", "3"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["kind"] == "video_frame" and 2.5 <= rows[0]["start"] < 6.0
    assert main(["search", "green", "--group", "--json"]) == 0
    grouped = json.loads(capsys.readouterr().out)
    assert len(grouped) == 1 and grouped[0]["moments"]
    assert main(["search", "green", "--limit", "1"]) == 0
    line = capsys.readouterr().out.strip()
    assert "rgb.mp4 @ 0:0" in line and "–" in line


def test_words_find_sounds_in_a_sound_space_that_embeds_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mmdesk import config

    plugins = tmp_path / "plugins"
    build_toy_plugin(plugins / "toy")
    build_ear_plugin(plugins / "ear", words=True)
    monkeypatch.setenv("MMDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MMDESK_PLUGIN_PATH", str(plugins))
    monkeypatch.setattr(config, "BUNDLED_PLUGINS", tmp_path / "none")
    root = tmp_path / "library"
    for n, f in enumerate((220.0, 247.0)):
        make_sound(root / f"low-{n}.wav", [f, f * 1.5])
    for n, level in enumerate((0.3, 0.4)):
        make_sound(root / f"hiss-{n}.wav", [6000.0], noise=level)
    with Library(config.Settings(threads=1)) as lib:
        lib.use_space("ear-bands", "audio")
        lib.store.set_setting("transcripts", "off")
        lib.index([root])
        found = lib.search("hiss", Filters(limit=2))
        assert [Path(r.path).name[:4] for r in found] == ["hiss", "hiss"]
        assert all("sound" in r.matched for r in found)
        low = lib.search("low", Filters(limit=2))
        assert [Path(r.path).name[:3] for r in low] == ["low", "low"]
